import Foundation

/// A worker: claims pending candidates from the store, runs the rejection pipeline and the evaluator on
/// each, and records the result. While it evaluates, a heartbeat thread renews its lease; a worker that
/// dies stops renewing, and its candidate is claimed again once the lease expires.
public final class SearchWorker {
  public let store: SearchStore
  public let evaluator: Evaluator
  public let name: String
  let evolution: Evolution
  let pipeline: RejectionPipeline

  public init(store: SearchStore, evaluator: Evaluator, name: String) throws {
    self.store = store
    self.evaluator = evaluator
    self.name = name
    evolution = try Evolution(store: store)
    pipeline = RejectionPipeline(configuration: evolution.configuration)
    let architectures = try store.metadata().architectures
    guard evaluator.architectures == architectures else {
      throw SearchError.configuration(
        "the proxy's architectures \(evaluator.architectures) differ from the search's \(architectures)")
    }
  }

  /// A worker name for this process: host and process id.
  public static var processName: String {
    "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
  }

  /// Claims and evaluates one candidate; returns it (with its result recorded), or nil when none was
  /// waiting. A result whose claim was lost meanwhile is dropped: the candidate's new owner records it.
  @discardableResult
  public func evaluateOne() throws -> Candidate? {
    guard let claim = try store.claim(worker: name, now: Date().timeIntervalSince1970) else { return nil }
    let heartbeat = Heartbeat(store: store, claim: claim, interval: evolution.configuration.leaseSeconds / 3)
    heartbeat.start()
    let result = pipeline.evaluate(
      claim.candidate.graph, seed: evolution.evaluationSeed(claim.candidate), evaluator: evaluator)
    heartbeat.stop()
    guard try store.complete(claim, result: result, now: Date().timeIntervalSince1970) else { return nil }
    return try store.candidate(claim.candidate.id)
  }

  /// Evaluates candidates until `shouldStop` says so, polling every `poll` seconds while none waits;
  /// `evaluated` is called after each evaluation.
  public func run(poll: Double = 0.2, shouldStop: () -> Bool, evaluated: () -> Void = {}) throws {
    try store.log("worker_started", worker: name, detail: nil, now: Date().timeIntervalSince1970)
    while !shouldStop() {
      if try evaluateOne() == nil {
        Thread.sleep(forTimeInterval: poll)
      } else {
        evaluated()
      }
    }
  }
}

/// Renews a claim's lease every `interval` seconds on its own thread until stopped.
private final class Heartbeat: @unchecked Sendable {
  let store: SearchStore
  let claim: Claim
  let interval: Double
  private let condition = NSCondition()
  private var stopped = false

  init(store: SearchStore, claim: Claim, interval: Double) {
    self.store = store
    self.claim = claim
    self.interval = interval
  }

  func start() {
    let thread = Thread { [self] in
      condition.lock()
      defer { condition.unlock() }
      while !stopped {
        if !condition.wait(until: Date(timeIntervalSinceNow: interval)) && !stopped {
          _ = try? store.renew(claim, now: Date().timeIntervalSince1970)
        }
      }
    }
    thread.start()
  }

  func stop() {
    condition.lock()
    stopped = true
    condition.signal()
    condition.unlock()
  }
}
