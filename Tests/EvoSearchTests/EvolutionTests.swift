import EvoGraph
import EvoSearch
import EvoTensor
import XCTest

final class EvolutionTests: XCTestCase {
  func testPopulationAgesOldestFirst() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try makeStore(cheapConfiguration(population: 4), in: folder)
    let evolution = try Evolution(store: store)
    let worker = try SearchWorker(store: store, evaluator: HashEvaluator(), name: "w")
    var checks = 0
    try evolution.run(
      samples: 20, parallelism: 1, worker: worker,
      progress: { _ in
        // The population is always the last (up to) 4 scored candidates, oldest first.
        let done = try store.candidates(status: .done).map(\.id)
        let absorbed = Set(try store.candidates(status: nil).map(\.id)).subtracting(try store.unabsorbed().map(\.id))
        XCTAssertEqual(try store.population(), Array(done.filter(absorbed.contains).suffix(4)))
        checks += 1
      })
    XCTAssertGreaterThan(checks, 10)
    XCTAssertEqual(try store.nextBirthStep(), 20)
    XCTAssertEqual(try store.inFlight(), 0)
    let all = try store.candidates(status: nil)
    XCTAssertEqual(all.map(\.birthStep), Array(0..<20))
    // After the population filled, every child has a parent that was in the population at its birth.
    XCTAssertTrue(all.suffix(10).allSatisfy { $0.parent != nil })
    XCTAssertTrue(all.prefix(2).allSatisfy { $0.parent == nil })
  }

  /// Once the population holds a tournament's minimum (2), half the births that fill it are mutants: few
  /// random graphs pass the rejections, and breeding must not wait for a whole random population.
  func testFillingThePopulationMixesRandomGraphsAndMutants() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try makeStore(cheapConfiguration(population: 30), in: folder)
    try Evolution(store: store).run(
      samples: 30, parallelism: 1, worker: try SearchWorker(store: store, evaluator: HashEvaluator(), name: "w"))
    let all = try store.candidates(status: nil)
    XCTAssertEqual(all.count, 30)
    XCTAssertTrue(all.prefix(2).allSatisfy { $0.parent == nil }, "the first two births have nothing to breed from")
    // At birth step s the population held at most s < 30 members: all 30 births were filling it.
    let mutants = all.dropFirst(2).filter { $0.parent != nil }
    // A fair coin over 28 births: 6...22 mutants unless the generator is badly off (p < 0.2%).
    XCTAssertTrue((6...22).contains(mutants.count), "\(mutants.count) mutants of 28 births")
    let ids = Set(all.map(\.id))
    XCTAssertTrue(mutants.allSatisfy { c in c.parent.map { ids.contains($0) && $0 < c.id } == true })
  }

  func testOneWorkerAndSeedReproduceASearch() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    func search(seed: UInt64, name: String) throws -> [Candidate] {
      let store = try makeStore(cheapConfiguration(seed: seed), in: folder, name: name)
      try Evolution(store: store).run(
        samples: 25, parallelism: 1, worker: try SearchWorker(store: store, evaluator: HashEvaluator(), name: "w"))
      return try store.candidates(status: nil).map { c in
        var c = c
        c.timings = [:]
        return c
      }
    }
    let a = try search(seed: 7, name: "a.db")
    let b = try search(seed: 7, name: "b.db")
    let c = try search(seed: 8, name: "c.db")
    XCTAssertEqual(a.count, 25)
    XCTAssertEqual(a, b)
    XCTAssertNotEqual(a.map(\.graph), c.map(\.graph))
  }

  func testEquivalentCandidatesReuseTheCachedResult() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var configuration = cheapConfiguration(population: 4)
    configuration.initialLayers = ["bn_relu", "evonorm_b0", "bn_relu"]
    let store = try makeStore(configuration, in: folder)
    let evaluator = HashEvaluator()
    try Evolution(store: store).run(
      samples: 3, parallelism: 1, worker: try SearchWorker(store: store, evaluator: evaluator, name: "w"))
    let all = try store.candidates(status: nil)
    XCTAssertEqual(all.count, 3)
    XCTAssertEqual(all[2].cachedFrom, all[0].id)
    XCTAssertEqual(all[2].scores, all[0].scores)
    XCTAssertEqual(evaluator.calls.count, 2, "the repeated BN-ReLU is not evaluated again")
    XCTAssertEqual(try Evolution(store: store).summary().cacheHits, 1)
  }

  func testInitialGraphsReadXWithASpreadOfSizes() throws {
    var rng = RandomGenerator(seed: 1)
    var sizes: [Int: Int] = [:]
    var draws = 0
    for _ in 0..<200 {
      let (graph, n) = try InitialGraphs.sample(space: .batchDependent, rng: &rng)
      XCTAssertTrue(graph.uses(.x))
      XCTAssertNil(BirthCheck.rejection(graph))
      sizes[graph.nodes.count, default: 0] += 1
      draws += n
    }
    XCTAssertGreaterThanOrEqual(sizes.keys.count, 12, "sizes \(sizes.sorted { $0.key < $1.key })")
    XCTAssertEqual(sizes[14] ?? 0 > 0, true)
    let small = (sizes[1] ?? 0) + (sizes[2] ?? 0)
    XCTAssertLessThan(small, 50, "1-2 nodes in \(small) of 200 (uniform sizes give about 29)")
    print("initial graphs: sizes \(sizes.sorted { $0.key < $1.key }), \(draws) draws for 200 graphs")
  }

  func testBirthChecks() throws {
    XCTAssertEqual(BirthCheck.rejection(try LayerGraph(formula: "sigmoid(v1)"))?.0, .invalid)
    XCTAssertEqual(BirthCheck.rejection(try LayerGraph(formula: "x + -x"))?.0, .degenerate)
    XCTAssertEqual(BirthCheck.rejection(try LayerGraph(formula: "exp(exp(exp(exp(x))))"))?.0, .invalid)
    for formula in ["mean_hw(x)", "sigmoid(var_hwc/g(x)) + v1", "max(mu2_bhw(x), tanh(mean_hwc(x)))"] {
      let rejection = BirthCheck.rejection(try LayerGraph(formula: formula))
      XCTAssertEqual(rejection?.0, .degenerate, formula)
      XCTAssertEqual(rejection?.1.contains("constant over each feature map"), true, formula)
    }
    for formula in ["x * sigmoid(mean_hw(x))", "x / sqrt(var_hwc/g(x))", "max(x, v1)"] {
      XCTAssertNil(BirthCheck.rejection(try LayerGraph(formula: formula)), formula)
    }
    XCTAssertNil(BirthCheck.rejection(try XCTUnwrap(NamedLayers.graph("bn_relu"))))
  }
}
