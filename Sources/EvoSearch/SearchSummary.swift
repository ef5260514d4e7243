import Foundation

/// Counts and rates of a search, for `evo search status`, the progress line and reports.
public struct SearchSummary: Equatable, Sendable {
  /// Candidates born so far.
  public var samples = 0
  public var byStatus: [CandidateStatus: Int] = [:]
  public var rejectedByReason: [RejectionReason: Int] = [:]
  /// Children that reused an equivalent candidate's result.
  public var cacheHits = 0
  /// Candidates a worker evaluated (not rejected at birth, not from the cache).
  public var evaluated = 0
  /// Evaluations per hour between the search's first birth and its last evaluation.
  public var evaluationsPerHour: Double?
  /// The best scored candidates by mean score, best first (at most 5).
  public var best: [Candidate] = []

  public init(candidates: [Candidate], events: [SearchEvent]) {
    samples = candidates.count
    for c in candidates {
      byStatus[c.status, default: 0] += 1
      if let reason = c.reason, c.status == .rejected { rejectedByReason[reason, default: 0] += 1 }
      if c.cachedFrom != nil { cacheHits += 1 }
    }
    let evaluations = events.filter { $0.kind == "evaluated" }
    evaluated = evaluations.count
    if let first = events.first(where: { $0.kind == "born" })?.time, let last = evaluations.last?.time, last > first {
      evaluationsPerHour = Double(evaluated) / (last - first) * 3600
    }
    best = Array(
      candidates.filter { $0.status == .done && $0.cachedFrom == nil }
        .sorted { ($0.meanScore ?? 0, -$0.id) > ($1.meanScore ?? 0, -$1.id) }.prefix(5))
  }

  /// Fraction of children that were cache hits.
  public var cacheHitRate: Double { samples == 0 ? 0 : Double(cacheHits) / Double(samples) }

  /// One line: samples, statuses, rejections by reason, cache hits, best mean score, rate.
  public var line: String {
    let statuses = CandidateStatus.allCases.compactMap { s in byStatus[s].map { "\(s.rawValue) \($0)" } }
    let reasons = RejectionReason.allCases.compactMap { r in rejectedByReason[r].map { "\(r.rawValue) \($0)" } }
    var parts = ["\(samples) samples", statuses.joined(separator: ", ")]
    if !reasons.isEmpty { parts.append("rejected: " + reasons.joined(separator: ", ")) }
    parts.append("cache hits \(cacheHits)")
    if let top = best.first, let scores = top.scores {
      parts.append("best " + scores.map { String(format: "%.3f", $0) }.joined(separator: "/"))
    }
    if let rate = evaluationsPerHour { parts.append(String(format: "%.0f evals/h", rate)) }
    return parts.joined(separator: " · ")
  }
}

extension Evolution {
  /// The search's summary from the store.
  public func summary() throws -> SearchSummary {
    SearchSummary(candidates: try store.candidates(status: nil), events: try store.events(limit: nil))
  }

  /// Runs the search until `samples` candidates are born, evaluated and taken into the population (or
  /// `shouldStop` says so), keeping up to `parallelism` candidates queued for workers. With `worker`,
  /// this process evaluates the queue itself; otherwise worker processes do, and this polls the store
  /// every `poll` seconds. `progress` is called after each change.
  public func run(
    samples: Int, parallelism: Int, worker: SearchWorker?, poll: Double = 0.1,
    shouldStop: () -> Bool = { false }, progress: (Evolution) throws -> Void = { _ in }
  ) throws {
    try store.log("run_started", worker: nil, detail: "samples \(samples)", now: Date().timeIntervalSince1970)
    while !shouldStop() {
      // Counted before absorbing: a candidate a worker finishes in between then counts as queued (no
      // birth this round) instead of being missing from the population a birth draws from.
      var queued = try store.inFlight()
      let absorbed = try absorbFinished()
      var born = try store.nextBirthStep()
      var births = 0
      while born < samples && queued < Swift.max(1, parallelism), let child = try birth() {
        born += 1
        births += 1
        if !child.isFinished { queued += 1 }
      }
      if !absorbed.isEmpty || births > 0 { try progress(self) }
      if try born >= samples && queued == 0 && store.unabsorbed().isEmpty { break }
      if births == 0 || queued > 0 {
        if let worker {
          if try worker.evaluateOne() == nil { Thread.sleep(forTimeInterval: poll) }
        } else {
          Thread.sleep(forTimeInterval: poll)
        }
      }
    }
    try store.log(
      shouldStop() ? "run_stopped" : "run_finished", worker: nil, detail: nil, now: Date().timeIntervalSince1970)
  }
}
