import EvoLang
import EvoSearch
import Foundation

/// Opens a search's store and runs it, with worker processes (`evo search worker STORE`) or in this
/// process; shared by `evo search` and Evo's `evolve.search`. A store is named by its location (see
/// `SearchStores`): an SQLite path or a PostgreSQL URL.
public final class SearchRunner {
  public let store: SearchStore
  /// The store's location as given (worker processes open it).
  public let location: String
  public let evolution: Evolution
  /// The proxy source the store holds.
  public let proxySource: String
  private var inProcess: EvoProxyEvaluator?

  /// The `evo` executable that worker processes run: this process's executable when it is `evo`
  /// (the command sets it explicitly), nil otherwise (then searches run in this process only).
  nonisolated(unsafe) public static var executable: String? = {
    guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    return URL(fileURLWithPath: path).lastPathComponent == "evo" ? path : nil
  }()

  /// Opens an existing store.
  public init(location: String) throws {
    self.location = location
    store = try SearchStores.open(location)
    evolution = try Evolution(store: store)
    proxySource = try store.metadata().proxySource
  }

  /// Creates the store for a search defined by `proxySource` (its `search` settings, then `settings`),
  /// or resumes the same search there.
  public init(location: String, proxySource: String, proxyName: String, settings: [(String, Value)] = []) throws {
    let evaluator = try EvoProxyEvaluator(source: proxySource, name: proxyName)
    let configuration = try SearchSettings.apply(settings, to: try evaluator.configuration())
    if let path = try SearchStores.sqlitePath(location) {
      let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    self.location = location
    store = try SearchStores.open(
      location,
      creating: SearchMetadata(
        configuration: configuration, architectures: evaluator.architectures, proxySource: proxySource))
    evolution = try Evolution(store: store)
    self.proxySource = proxySource
    inProcess = evaluator
  }

  /// An evaluator for the store's proxy task in this process (made once).
  public func evaluator() throws -> EvoProxyEvaluator {
    if let inProcess { return inProcess }
    let evaluator = try EvoProxyEvaluator(source: proxySource, name: "\(store.location):proxy")
    inProcess = evaluator
    return evaluator
  }

  /// Runs the search until `samples` candidates are born and evaluated. `workers` 0 evaluates in this
  /// process; otherwise that many worker processes are started (and restarted if they die) and stopped
  /// at the end. `queue` keeps that many candidates queued instead of `workers`, for workers started
  /// elsewhere (`evo search worker STORE` on other machines); then `workers` 0 starts none and this
  /// process only breeds. `progress` gets the summary line at most twice a second (less often when
  /// summarising takes long).
  public func run(
    samples: Int, workers: Int, queue: Int? = nil, shouldStop: @escaping () -> Bool = { false },
    progress: @escaping (String) -> Void = { _ in }
  ) throws {
    guard samples >= 0 else { throw SearchError.configuration("samples must not be negative") }
    if let queue, queue < 1 { throw SearchError.configuration("queue must be at least 1, got \(queue)") }
    var nextReport = Date.distantPast
    let report: (Evolution) throws -> Void = { evolution in
      guard Date() >= nextReport else { return }
      let start = Date()
      progress(try evolution.summary().line)
      // A summary reads the whole search: in a large one, keep it under 5% of the driver's time.
      nextReport = start.addingTimeInterval(max(0.5, 20 * Date().timeIntervalSince(start)))
    }
    if workers <= 0 && queue == nil {
      let worker = try SearchWorker(store: store, evaluator: try evaluator(), name: SearchWorker.processName)
      try evolution.run(samples: samples, parallelism: 1, worker: worker, shouldStop: shouldStop, progress: report)
    } else {
      var pool: WorkerProcesses?
      if workers > 0 {
        guard let executable = Self.executable else {
          throw SearchError.configuration("worker processes need the evo command; run with workers: 0 here")
        }
        pool = WorkerProcesses(executable: executable, store: location, count: workers)
      }
      defer { pool?.stop() }
      try pool?.start()
      try evolution.run(
        samples: samples, parallelism: queue ?? workers, worker: nil,
        shouldStop: {
          pool?.restartDead()
          return shouldStop()
        }, progress: report)
    }
    progress(try evolution.summary().line)
  }
}

/// Worker processes of one search: started, restarted when they die, stopped with SIGTERM.
final class WorkerProcesses {
  let executable: String
  let store: String
  private var processes: [Process?]

  init(executable: String, store: String, count: Int) {
    self.executable = executable
    self.store = store
    processes = [Process?](repeating: nil, count: count)
  }

  private func launch() throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["search", "worker", store, "--exit-with-parent"]
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
  }

  func start() throws {
    for i in processes.indices { processes[i] = try launch() }
  }

  func restartDead() {
    for i in processes.indices where processes[i]?.isRunning != true {
      if let replacement = try? launch() { processes[i] = replacement }
    }
  }

  func stop() {
    for case let p? in processes where p.isRunning { p.terminate() }
    for case let p? in processes { p.waitUntilExit() }
  }
}
