import EvoGraph

/// Where a candidate is in its life: born `pending`, claimed by a worker (`running`), then `done`
/// (scored) or `rejected` (with a reason).
public enum CandidateStatus: String, Sendable, CaseIterable, Codable {
  case pending, running, done, rejected
}

/// Why a candidate was discarded, cheapest check first.
public enum RejectionReason: String, Sendable, CaseIterable, Codable {
  /// No path from x to the output, or a non-finite output on the probe input (at birth).
  case invalid
  /// The output does not vary with x (at birth).
  case degenerate
  /// Gradient ascent on the parameters drove the gradient norm past the limit, or to non-finite values;
  /// or the layer's values became non-finite while the proxy trained with it.
  case unstable
  /// A short training left the validation accuracy below the threshold on some architecture.
  case quality
  /// The evaluation itself failed (an error in the proxy task, a malformed result).
  case failed
}

/// The outcome of evaluating one candidate: per-architecture scores, or a rejection.
public enum EvaluationOutcome: Equatable, Sendable {
  case scores([Double])
  case rejected(RejectionReason, String)
}

/// What an evaluation produced, with the seconds each stage took (keys: `birth`, `stability`, `quality`,
/// `full`).
public struct EvaluationResult: Equatable, Sendable {
  public var outcome: EvaluationOutcome
  public var timings: [String: Double]

  public init(outcome: EvaluationOutcome, timings: [String: Double] = [:]) {
    self.outcome = outcome
    self.timings = timings
  }
}

/// One candidate layer of a search as the store records it.
public struct Candidate: Equatable, Sendable {
  /// The store's id, in birth order.
  public var id: Int64
  public var graph: LayerGraph
  /// The functional fingerprint (nil when the probe output is not finite).
  public var fingerprint: String?
  /// The candidate it was mutated from (nil for the initial population).
  public var parent: Int64?
  /// The search step at which it was born (0, 1, 2, ... over the whole search).
  public var birthStep: Int
  public var status: CandidateStatus
  public var reason: RejectionReason?
  /// A human-readable detail of the rejection.
  public var detail: String?
  /// One score per architecture (accuracy in [0, 1]) for `done` candidates.
  public var scores: [Double]?
  /// Seconds per stage.
  public var timings: [String: Double]
  /// The worker that evaluated it.
  public var worker: String?
  /// The earlier candidate whose result it reused (functional-equivalence cache hit).
  public var cachedFrom: Int64?

  public init(
    id: Int64 = 0, graph: LayerGraph, fingerprint: String?, parent: Int64?, birthStep: Int,
    status: CandidateStatus = .pending, reason: RejectionReason? = nil, detail: String? = nil,
    scores: [Double]? = nil, timings: [String: Double] = [:], worker: String? = nil, cachedFrom: Int64? = nil
  ) {
    self.id = id
    self.graph = graph
    self.fingerprint = fingerprint
    self.parent = parent
    self.birthStep = birthStep
    self.status = status
    self.reason = reason
    self.detail = detail
    self.scores = scores
    self.timings = timings
    self.worker = worker
    self.cachedFrom = cachedFrom
  }

  /// The mean score, or nil without scores.
  public var meanScore: Double? {
    guard let scores, !scores.isEmpty else { return nil }
    return scores.reduce(0, +) / Double(scores.count)
  }

  /// Whether it has finished (scored or rejected).
  public var isFinished: Bool { status == .done || status == .rejected }
}
