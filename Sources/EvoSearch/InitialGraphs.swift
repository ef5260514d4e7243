import EvoGraph
import EvoTensor

/// Random graphs for the initial population that read x and have a spread of sizes.
///
/// `LayerGraph.random(nodes:)` adds nodes with inputs drawn uniformly among all earlier nodes, so most
/// nodes never reach the output and are pruned, and many graphs ignore x. Here a size n is drawn
/// uniformly from 1 through the space's node limit, and nodes are added one at a time, each with a
/// primitive drawn uniformly: its first input is the node added just before it (x for the first node),
/// any second input is drawn uniformly among all earlier nodes and leaves, and the two inputs of a
/// binary node are swapped with probability 1/2. Every node then reaches the output, which reads x.
/// Graphs that fail the birth checks are drawn again at the same size, so the accepted sizes stay
/// uniform although large graphs fail more often (half the primitives are aggregations, and a spine
/// through one reads x only through statistics unless a later binary node brings x back).
public enum InitialGraphs {
  /// One random graph with `n` intermediate nodes as described above (before birth checks).
  public static func spine(nodes n: Int, space: SearchSpace, rng: inout RandomGenerator) throws -> LayerGraph {
    guard !space.primitives.isEmpty else { throw GraphError.invalid("the search space has no primitives") }
    var nodes: [LayerGraph.Node] = []
    for i in 0..<n {
      let primitive = space.primitives[rng.int(below: space.primitives.count)]
      let previous = i == 0 ? LayerGraph.Leaf.x.rawValue : LayerGraph.leafCount + i - 1
      var inputs = [previous]
      if primitive.arity == 2 {
        inputs.append(rng.int(below: LayerGraph.leafCount + i))
        if rng.int(below: 2) == 1 { inputs.swapAt(0, 1) }
      }
      nodes.append(LayerGraph.Node(primitive, inputs))
    }
    return try LayerGraph(nodes: nodes).pruned()
  }

  /// A random graph that passes the birth checks: size drawn uniformly in 1...space.maxNodes, once.
  /// `draws` counts the graphs drawn (1 when the first passes).
  public static func sample(space: SearchSpace, rng: inout RandomGenerator, attempts: Int = 1000) throws -> (
    graph: LayerGraph, draws: Int
  ) {
    guard space.maxNodes >= 1 else { throw GraphError.invalid("the search space allows no intermediate nodes") }
    let size = 1 + rng.int(below: space.maxNodes)
    for draw in 1...attempts {
      let graph = try spine(nodes: size, space: space, rng: &rng)
      if BirthCheck.rejection(graph) == nil { return (graph, draw) }
    }
    throw GraphError.invalid("no random graph passed the birth checks in \(attempts) draws")
  }
}
