import EvoGraph
import EvoSearch
import Foundation
import XCTest

final class RejectionTests: XCTestCase {
  func testStabilityRejectsAnExpChainAndAcceptsBNReLU() throws {
    let check = StabilityCheck(steps: 4, batch: 4)  // tiny: debug builds are slow
    let unstable = try LayerGraph(formula: "exp(exp(x))")
    XCTAssertNil(BirthCheck.rejection(unstable), "the chain is finite on the probe, so only stability catches it")
    let why = try XCTUnwrap(check.rejection(unstable, seed: 1))
    XCTAssertTrue(why.contains("gradient") || why.contains("non-finite"), why)
    XCTAssertNil(check.rejection(try XCTUnwrap(NamedLayers.graph("bn_relu")), seed: 1))
    XCTAssertNil(check.rejection(try XCTUnwrap(NamedLayers.graph("evonorm_s0")), seed: 1))
  }

  /// (x / batch std)^8 is finite with a moderate gradient at initialisation and passes the birth checks;
  /// the ascent steepens it (the conv weights grow, and the eighth power amplifies them) until the
  /// gradient norm passes 1e8. A worker records that as the stability rule's rejection, and never trains.
  func testOnlyTheAscentRejectsAnEighthPowerAndTheStoreRecordsStability() throws {
    let graph = try LayerGraph(formula: "square(square(square(x / sqrt(var_bhw(x)))))")
    XCTAssertNil(BirthCheck.rejection(graph), "reads x, finite and not constant on the probes")
    var configuration = SearchConfiguration()
    configuration.stability = StabilityCheck(steps: 30, batch: 4)
    configuration.qualityThreshold = 0.2
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try SQLiteSearchStore(
      path: folder.appendingPathComponent("s.db").path,
      creating: SearchMetadata(configuration: configuration, architectures: ["a", "b"], proxySource: "# test"))
    var candidate = Candidate(graph: graph, fingerprint: graph.fingerprint, parent: nil, birthStep: 0)
    candidate.id = try store.insert(candidate)
    let seed = try Evolution(store: store).evaluationSeed(candidate)

    XCTAssertNil(StabilityCheck(steps: 0, batch: 4).rejection(graph, seed: seed), "finite, norm below 1e8 at the start")
    let why = try XCTUnwrap(configuration.stability?.rejection(graph, seed: seed))
    let steps = why.firstMatch(of: /gradient norm \S+ > 1e\+08 after (\d+) ascent steps/).flatMap { Int($0.1) }
    XCTAssertGreaterThanOrEqual(try XCTUnwrap(steps, why), 1, "the ascent, not the starting point, fails")

    let evaluator = FixedEvaluator(quality: [0.9, 0.9], full: [0.9, 0.9])
    XCTAssertEqual(try SearchWorker(store: store, evaluator: evaluator, name: "w").evaluateOne()?.id, candidate.id)
    let recorded = try XCTUnwrap(try store.candidate(candidate.id))
    XCTAssertEqual(recorded.status, .rejected)
    XCTAssertEqual(recorded.reason, .unstable)
    XCTAssertEqual(recorded.detail, why, "the worker ran the same seeded ascent")
    XCTAssertEqual(Set(recorded.timings.keys), ["stability"])
    XCTAssertEqual(evaluator.budgets, [], "neither the quality nor the full training ran")
  }

  /// An evaluator with fixed scores per budget.
  final class FixedEvaluator: Evaluator {
    let architectures = ["a", "b"]
    let quality: [Double], full: [Double]
    var budgets: [EvaluationBudget] = []
    init(quality: [Double], full: [Double]) {
      self.quality = quality
      self.full = full
    }
    func scores(_ graph: LayerGraph, budget: EvaluationBudget, seed: UInt64) throws -> [Double] {
      budgets.append(budget)
      return budget == .quality ? quality : full
    }
  }

  func testQualityRejectionNeedsEveryArchitectureAboveTheThreshold() throws {
    var configuration = SearchConfiguration()
    configuration.stability = nil
    configuration.qualityThreshold = 0.2
    let pipeline = RejectionPipeline(configuration: configuration)
    let g = try XCTUnwrap(NamedLayers.graph("bn_relu"))
    let low = FixedEvaluator(quality: [0.9, 0.15], full: [0.9, 0.9])
    guard case .rejected(.quality, let why) = pipeline.evaluate(g, seed: 1, evaluator: low).outcome else {
      return XCTFail("expected a quality rejection")
    }
    XCTAssertTrue(why.contains("0.150") && why.contains(" b"), why)
    XCTAssertEqual(low.budgets, [.quality])
    let good = FixedEvaluator(quality: [0.3, 0.25], full: [0.8, 0.7])
    let result = pipeline.evaluate(g, seed: 1, evaluator: good)
    XCTAssertEqual(result.outcome, .scores([0.8, 0.7]))
    XCTAssertEqual(good.budgets, [.quality, .full])
    XCTAssertEqual(Set(result.timings.keys), ["quality", "full"])
    let wrong = FixedEvaluator(quality: [0.3, 0.3], full: [0.5])
    guard case .rejected(.failed, let message) = pipeline.evaluate(g, seed: 1, evaluator: wrong).outcome else {
      return XCTFail("expected a failure")
    }
    XCTAssertTrue(message.contains("1 scores for 2 architectures"), message)
  }
}
