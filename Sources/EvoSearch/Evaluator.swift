import EvoGraph

/// How long a candidate is trained for a score.
public enum EvaluationBudget: String, Sendable {
  /// The short training of the quality rejection (about 100 steps).
  case quality
  /// The full proxy training of a candidate that passed every rejection.
  case full
  /// The longer schedule of re-ranking the best candidates.
  case rerank
}

/// What the search asks for scores; it knows nothing of how a model is trained. Implementations run
/// the proxy task (in Evo, see EvoRuntime) or, in tests, a cheap function of the graph.
public protocol Evaluator: AnyObject {
  /// The K architectures' names; `scores` returns one score per architecture in this order.
  var architectures: [String] { get }

  /// Scores (validation accuracies in [0, 1], higher is better) of a model with `graph` as its layers,
  /// trained on `budget`, seeded by `seed`. Throws when training fails.
  func scores(_ graph: LayerGraph, budget: EvaluationBudget, seed: UInt64) throws -> [Double]
}
