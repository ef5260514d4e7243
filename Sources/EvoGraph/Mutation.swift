import EvoTensor

/// Which primitives random graphs and mutations draw from, and how large graphs may be.
public struct SearchSpace: Sendable, Equatable {
  /// The primitives drawn uniformly.
  public var primitives: [Primitive]
  /// The most intermediate nodes a graph may have (14 by default, our default for the paper's value).
  public var maxNodes: Int

  public init(primitives: [Primitive] = Primitive.all, maxNodes: Int = 14) {
    self.primitives = primitives
    self.maxNodes = maxNodes
  }

  /// All 24 primitives (the B space).
  public static let batchDependent = SearchSpace()
  /// No batch aggregations (the S space).
  public static let batchIndependent = SearchSpace(primitives: Primitive.batchIndependent)
}

extension LayerGraph {
  /// A random graph: `nodes` intermediate nodes added one at a time, each with a primitive drawn
  /// uniformly and inputs drawn uniformly among the nodes before it; the last node is the output.
  /// Nodes that do not reach it are pruned, so the result may have fewer nodes.
  public static func random(nodes count: Int, space: SearchSpace = .batchDependent, rng: inout RandomGenerator) throws
    -> LayerGraph
  {
    guard count >= 1 && count <= space.maxNodes else {
      throw GraphError.invalid("a random graph needs between 1 and \(space.maxNodes) nodes, got \(count)")
    }
    guard !space.primitives.isEmpty else { throw GraphError.invalid("the search space has no primitives") }
    var nodes: [Node] = []
    for i in 0..<count {
      let primitive = space.primitives[rng.int(below: space.primitives.count)]
      let available = LayerGraph.leafCount + i
      nodes.append(Node(primitive, (0..<primitive.arity).map { _ in rng.int(below: available) }))
    }
    return try LayerGraph(nodes: nodes).pruned()
  }

  /// A mutant: one intermediate node drawn uniformly gets a primitive drawn uniformly and new inputs
  /// drawn uniformly among earlier nodes; unreachable nodes are pruned. A mutant structurally equal to
  /// this graph is drawn again (up to `attempts` times).
  public func mutated(space: SearchSpace = .batchDependent, rng: inout RandomGenerator, attempts: Int = 1000) throws
    -> LayerGraph
  {
    guard !nodes.isEmpty else { throw GraphError.invalid("a graph without intermediate nodes cannot be mutated") }
    guard !space.primitives.isEmpty else { throw GraphError.invalid("the search space has no primitives") }
    let parent = canonical()
    for _ in 0..<attempts {
      var child = self
      let i = rng.int(below: nodes.count)
      let primitive = space.primitives[rng.int(below: space.primitives.count)]
      let available = LayerGraph.leafCount + i
      child.nodes[i] = Node(primitive, (0..<primitive.arity).map { _ in rng.int(below: available) })
      let result = child.pruned()
      if result.canonical() != parent { return result }
    }
    throw GraphError.invalid("no mutant differing from \(formula) in \(attempts) draws")
  }
}
