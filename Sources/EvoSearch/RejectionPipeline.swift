import EvoGraph
import Foundation

/// The rejections a worker runs, cheapest first (birth checks and the equivalence cache run before a
/// candidate is queued): stability, quality after a short training on every architecture, then the
/// full proxy training. Each stage's seconds are recorded.
public struct RejectionPipeline {
  public let configuration: SearchConfiguration

  public init(configuration: SearchConfiguration) {
    self.configuration = configuration
  }

  /// Evaluates one candidate; never throws: failures are rejections with their reason.
  public func evaluate(_ graph: LayerGraph, seed: UInt64, evaluator: Evaluator) -> EvaluationResult {
    var timings: [String: Double] = [:]
    func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
      let start = Date()
      defer { timings[stage, default: 0] += Date().timeIntervalSince(start) }
      return try body()
    }
    let k = evaluator.architectures.count
    func checked(_ scores: [Double]) throws -> [Double] {
      guard scores.count == k else {
        throw SearchError.evaluation("the proxy returned \(scores.count) scores for \(k) architectures")
      }
      guard scores.allSatisfy(\.isFinite) else { throw SearchError.evaluation("the proxy returned a non-finite score") }
      return scores
    }
    if let stability = configuration.stability,
      let why = timed("stability", { stability.rejection(graph, seed: seed) })
    {
      return EvaluationResult(outcome: .rejected(.unstable, why), timings: timings)
    }
    do {
      if configuration.qualityThreshold > 0 {
        let short = try timed("quality") { try checked(evaluator.scores(graph, budget: .quality, seed: seed)) }
        if let i = short.firstIndex(where: { $0 < configuration.qualityThreshold }) {
          let why =
            String(format: "accuracy %.3f < %.3f on ", short[i], configuration.qualityThreshold)
            + evaluator.architectures[i]
          return EvaluationResult(outcome: .rejected(.quality, why), timings: timings)
        }
      }
      let scores = try timed("full") { try checked(evaluator.scores(graph, budget: .full, seed: seed)) }
      return EvaluationResult(outcome: .scores(scores), timings: timings)
    } catch SearchError.diverged(let why) {
      return EvaluationResult(outcome: .rejected(.unstable, why), timings: timings)
    } catch {
      return EvaluationResult(outcome: .rejected(.failed, "\(error)"), timings: timings)
    }
  }
}
