import EvoTensor
import Testing

@testable import EvoGraph

/// Random graphs and mutation as docs/search-space.md defines them.
@Suite struct SearchSpaceTests {
  @Test func randomGraphsAreSeededAndPruned() throws {
    var a = RandomGenerator(seed: 3)
    var b = RandomGenerator(seed: 3)
    let first = try LayerGraph.random(nodes: 8, rng: &a)
    #expect(try LayerGraph.random(nodes: 8, rng: &b) == first)
    #expect(first.nodes.count <= 8)
    #expect(first.output == first.nodeCount - 1)
    #expect(first.pruned() == first)
    #expect(throws: GraphError.self) { try LayerGraph.random(nodes: 15, rng: &a) }
    #expect(throws: GraphError.self) { try LayerGraph.random(nodes: 0, rng: &a) }
  }

  @Test func primitivesAreDrawnUniformly() throws {
    var rng = RandomGenerator(seed: 8)
    var counts: [Primitive: Int] = [:]
    // 1000 draws expected per primitive.
    for _ in 0..<1000 * Primitive.allCases.count {
      let graph = try LayerGraph.random(nodes: 1, rng: &rng)
      counts[graph.nodes[0].primitive, default: 0] += 1
    }
    #expect(Set(counts.keys) == Set(Primitive.allCases))
    for (primitive, count) in counts { #expect(count > 800 && count < 1200, "\(primitive.name): \(count)") }
  }

  @Test func mutationChangesOneNodeAndNeverReturnsTheParent() throws {
    var rng = RandomGenerator(seed: 9)
    let parent = try #require(NamedLayers.graph("evonorm_b0"))
    for _ in 0..<500 {
      let child = try parent.mutated(rng: &rng)
      #expect(child.canonical() != parent.canonical())
      #expect(child.pruned() == child)
      // One node is replaced in place and pruning only removes nodes: the child never grows.
      #expect(child.nodes.count <= parent.nodes.count)
    }
    #expect(throws: GraphError.self) { try NamedLayers.graph("identity")?.mutated(rng: &rng) }
  }

  @Test func batchIndependentSpaceNeverDrawsBatchStatistics() throws {
    var rng = RandomGenerator(seed: 10)
    var graph = try #require(NamedLayers.graph("evonorm_s0"))
    for _ in 0..<300 {
      #expect(!(try LayerGraph.random(nodes: 14, space: .batchIndependent, rng: &rng)).usesBatchStatistics)
      graph = try graph.mutated(space: .batchIndependent, rng: &rng)
      #expect(!graph.usesBatchStatistics)
    }
  }

  /// 10,000 random graphs and a mutant of each evaluate to a finite tensor or a clean failure value.
  @Test func tenThousandRandomGraphsAndMutantsEvaluateOrFailCleanly() throws {
    let x = try {
      var rng = RandomGenerator(seed: 1)
      return try Tensor.randn([2, 4, 2, 2], rng: &rng)
    }()
    var tensors = 0
    var failures = 0
    for seed in 0..<10_000 {
      var rng = RandomGenerator(seed: UInt64(seed))
      let graph = try LayerGraph.random(nodes: 1 + rng.int(below: 14), rng: &rng)
      for candidate in [graph, try graph.mutated(rng: &rng)] {
        let layer = try GraphLayer(graph: candidate, channels: 4, options: LayerOptions(groups: 2))
        switch layer.evaluate(x) {
        case .tensor(let y):
          #expect(y.shape == x.shape && y.isFinite)
          tensors += 1
        case .failure(let reason):
          #expect(reason.contains("not finite"), "\(candidate.formula): \(reason)")
          failures += 1
        }
      }
    }
    #expect(tensors + failures == 20_000)
    #expect(tensors > failures)
  }
}
