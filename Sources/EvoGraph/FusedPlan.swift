/// How a graph is evaluated fused: which nodes are full (N, C, H, W) values computed a block of planes
/// at a time in small registers, which are (N, C) tables (aggregations, per-channel vectors and
/// element-wise functions of them), and in which sweeps.
///
/// A node's *level* counts the aggregation barriers before it: a full node of level L can be computed
/// once the aggregations of full nodes of level below L are known. Forward, each level below the
/// output's computes the aggregations of its full nodes (materialising those that are not x), then one
/// sweep writes the output. Backward runs `level(output) + 1` sweeps: each recomputes the forward chain
/// and back-propagates through it, using the aggregation gradients of the sweep before, so the
/// gradients of the aggregations nearest the output are final after the first sweep, the next ones
/// after the second, and the last sweep writes the input gradient.
struct FusedPlan: Sendable {
  enum Kind: Sendable { case full, table }

  /// One element-wise node: its rule and inputs, resolved to flat fields for the inner loop.
  struct Step: Sendable {
    let node: Int
    let rule: any ElementwiseRule.Type
    let a: Int, b: Int
    let unary: Bool
    let level: Int
  }

  /// An aggregation as its input node's backward needs it.
  struct Aggregation: Sendable {
    let node: Int
    let input: Int
    let statistic: Statistic
    let axes: AggregationAxes
  }

  let graph: LayerGraph
  let kinds: [Kind]
  let levels: [Int]
  /// Element-wise full nodes in evaluation order.
  let steps: [Step]
  /// Element-wise table nodes in evaluation order.
  let tableSteps: [Step]
  let aggregations: [Aggregation]
  /// Table nodes that full nodes read (filled into registers).
  let operandTables: [Int]
  /// For each node index, the aggregations reading it.
  let readers: [[Aggregation]]
  /// Whether every aggregation reads x itself (true of all named layers): the backward then needs one
  /// sweep and a light pass instead of two sweeps.
  var aggregatesOnlyInput: Bool { aggregations.allSatisfy { $0.input == 0 } }

  /// The plan, or nil when the graph needs the node-by-node evaluator (its output is a table, or it
  /// aggregates a table).
  init?(_ graph: LayerGraph) {
    self.graph = graph
    var kinds: [Kind] = [.full, .table, .table, .table]
    var levels = [0, 0, 0, 0]
    var steps: [Step] = []
    var tableSteps: [Step] = []
    var aggregations: [Aggregation] = []
    var readers = [[Aggregation]](repeating: [], count: graph.nodeCount)
    var operands = Set<Int>()
    for (i, node) in graph.nodes.enumerated() {
      let index = LayerGraph.leafCount + i
      let a = node.inputs[0]
      let b = node.inputs[node.inputs.count - 1]
      if case .aggregate(let statistic, let axes) = node.primitive {
        guard kinds[a] == .full else { return nil }
        kinds.append(.table)
        levels.append(levels[a] + 1)
        let aggregation = Aggregation(node: index, input: a, statistic: statistic, axes: axes)
        aggregations.append(aggregation)
        readers[a].append(aggregation)
        continue
      }
      guard let rule = node.primitive.rule(readingStatistic: graph.primitive(at: a)?.isNonNegativeStatistic == true)
      else {
        return nil
      }
      let isFull = node.inputs.contains { kinds[$0] == .full }
      let level = node.inputs.map { levels[$0] }.max() ?? 0
      kinds.append(isFull ? .full : .table)
      levels.append(level)
      let step = Step(node: index, rule: rule, a: a, b: b, unary: node.inputs.count == 1, level: level)
      if isFull {
        steps.append(step)
        for input in node.inputs where kinds[input] == .table { operands.insert(input) }
      } else {
        tableSteps.append(step)
      }
    }
    guard kinds[graph.output] == .full else { return nil }
    self.kinds = kinds
    self.levels = levels
    self.steps = steps
    self.tableSteps = tableSteps
    self.aggregations = aggregations
    self.readers = readers
    operandTables = operands.sorted()
  }

  var outputLevel: Int { levels[graph.output] }

  /// The distinct full nodes that the aggregations of `level` read, in order of first use.
  func sources(level: Int) -> [Int] {
    var sources: [Int] = []
    for a in aggregations where levels[a.input] == level && !sources.contains(a.input) { sources.append(a.input) }
    return sources
  }
}
