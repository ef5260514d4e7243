/// A normalization-activation layer as a DAG of primitives (the paper's search space).
///
/// Node indices 0–3 are the initial nodes `x`, the constant `0`, and the trainable per-channel vectors
/// `v0` (init 0) and `v1` (init 1); index `4 + i` is intermediate node `i`, whose inputs are earlier
/// indices. `output` is the node whose value, followed by the per-channel affine `· gamma + beta`
/// (when `affine`), is the layer's output. Graphs built by this module keep the output as the last node
/// and hold no node that fails to reach it.
public struct LayerGraph: Hashable, Sendable {
  /// One intermediate node: a primitive and its one or two inputs.
  public struct Node: Hashable, Sendable {
    public var primitive: Primitive
    public var inputs: [Int]

    public init(_ primitive: Primitive, _ inputs: [Int]) {
      self.primitive = primitive
      self.inputs = inputs
    }
  }

  /// The initial nodes, in index order.
  public enum Leaf: Int, CaseIterable, Sendable {
    case x = 0
    case zero, v0, v1

    /// The name in formulas.
    public var name: String { ["x", "0", "v0", "v1"][rawValue] }
  }

  /// Number of initial nodes.
  public static let leafCount = 4

  /// The intermediate nodes in evaluation order.
  public var nodes: [Node]
  /// Index of the output node (a leaf index for graphs without intermediate nodes).
  public var output: Int
  /// Whether the layer ends with the per-channel affine `· gamma + beta`.
  public var affine: Bool

  /// A graph from its parts, checked: every input must name an earlier node.
  public init(nodes: [Node], output: Int? = nil, affine: Bool = true) throws {
    guard nodes.count <= LayerGraph.maximumNodes else {
      throw GraphError.invalid("a graph has at most \(LayerGraph.maximumNodes) nodes, this one \(nodes.count)")
    }
    for (i, node) in nodes.enumerated() {
      guard node.inputs.count == node.primitive.arity else {
        throw GraphError.invalid(
          "node \(i) (\(node.primitive.name)) needs \(node.primitive.arity) inputs, has \(node.inputs.count)")
      }
      for input in node.inputs where input < 0 || input >= LayerGraph.leafCount + i {
        throw GraphError.invalid(
          "node \(i) (\(node.primitive.name)) reads node \(input), which does not come before it")
      }
    }
    let out = output ?? (LayerGraph.leafCount + nodes.count - 1)
    guard out >= 0 && out < LayerGraph.leafCount + nodes.count else {
      throw GraphError.invalid("output node \(out) does not exist")
    }
    self.nodes = nodes
    self.output = out
    self.affine = affine
  }

  /// The most intermediate nodes a graph may have (the search uses at most 14; loaded files are checked).
  public static let maximumNodes = 1_000

  /// Total number of nodes, initial ones included.
  public var nodeCount: Int { LayerGraph.leafCount + nodes.count }

  /// The primitive at index `index`, or nil for an initial node.
  public func primitive(at index: Int) -> Primitive? {
    index < LayerGraph.leafCount ? nil : nodes[index - LayerGraph.leafCount].primitive
  }

  /// The inputs of the node at `index` (empty for initial nodes).
  public func inputs(of index: Int) -> [Int] {
    index < LayerGraph.leafCount ? [] : nodes[index - LayerGraph.leafCount].inputs
  }

  /// Whether any node reduces over the batch (such a layer keeps moving averages).
  public var usesBatchStatistics: Bool { nodes.contains { $0.primitive.usesBatch } }

  /// Whether the output depends on `v0` or `v1`.
  public func uses(_ leaf: Leaf) -> Bool { reachesOutput()[leaf.rawValue] }

  /// For every index, whether the output depends on that node.
  func reachesOutput() -> [Bool] {
    var live = [Bool](repeating: false, count: nodeCount)
    live[output] = true
    for index in stride(from: nodeCount - 1, through: LayerGraph.leafCount, by: -1) where live[index] {
      for input in inputs(of: index) { live[input] = true }
    }
    return live
  }

  /// The same function without nodes that do not reach the output, renumbered in order, the output last.
  public func pruned() -> LayerGraph {
    let live = reachesOutput()
    var newIndex = Array(0..<LayerGraph.leafCount) + [Int](repeating: -1, count: nodes.count)
    var kept: [Node] = []
    for (i, node) in nodes.enumerated() where live[LayerGraph.leafCount + i] {
      newIndex[LayerGraph.leafCount + i] = LayerGraph.leafCount + kept.count
      kept.append(Node(node.primitive, node.inputs.map { newIndex[$0] }))
    }
    var graph = self
    graph.nodes = kept
    graph.output = newIndex[output]
    return graph
  }
}

/// A malformed graph, formula or JSON document.
public enum GraphError: Error, CustomStringConvertible, Equatable {
  case invalid(String)
  case parse(String, position: Int)

  public var description: String {
    switch self {
    case .invalid(let message): return message
    case .parse(let message, let position): return "\(message) at character \(position + 1)"
    }
  }
}
