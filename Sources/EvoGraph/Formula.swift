/// Printing graphs in the paper's notation and parsing that notation back.
///
/// `add`, `mul`, `div` print as infix `+`, `*`, `/` (`a + neg(b)` as `a - b`), `neg` as a prefix `-`,
/// every other primitive as a call (`max(a, b)`, `sigmoid(a)`), aggregations as `var_bhw(x)`, `mu2_hwc/g(x)`, ...
/// The printer parenthesises exactly where the parser needs it, so printing a parsed formula gives it
/// back and parsing a printed graph gives the graph back.
extension LayerGraph {
  /// The formula of the output node, e.g. `x / max(sqrt(var_bhw(x)), v1*x + sqrt(var_hw(x)))`.
  /// Shared subexpressions are written out each time they are used, so a formula can be exponentially
  /// longer than its graph: beyond `maximumFormulaLength` characters this is a short description instead.
  public var formula: String {
    let printer = FormulaPrinter(graph: self)
    let text = printer.text(of: output).text
    guard !printer.overflowed else {
      return "<formula of \(nodes.count) nodes, longer than \(LayerGraph.maximumFormulaLength) characters>"
    }
    return text
  }

  /// The longest formula `formula` writes out.
  public static let maximumFormulaLength = 100_000

  /// Parses a formula; nodes are numbered in evaluation order, equal subexpressions shared.
  public init(formula: String, affine: Bool = true) throws {
    var parser = FormulaParser(text: formula)
    let root = try parser.parseFormula()
    try self.init(nodes: parser.nodes, output: root, affine: affine)
  }
}

/// Prints each node once (memoised), and stops growing texts once one exceeds the maximum length, so
/// printing takes time linear in the graph however often subexpressions are shared.
private final class FormulaPrinter {
  let graph: LayerGraph
  private var memo: [Int: (text: String, level: Int)] = [:]
  private(set) var overflowed = false

  init(graph: LayerGraph) { self.graph = graph }

  func text(of index: Int) -> (text: String, level: Int) {
    if overflowed { return ("", 4) }
    if let done = memo[index] { return done }
    let result = render(index)
    if result.text.utf8.count > LayerGraph.maximumFormulaLength { overflowed = true }
    memo[index] = result
    return result
  }

  /// Binding strength: 1 sums, 2 products, 3 negation, 4 atoms and calls.
  private func render(_ index: Int) -> (text: String, level: Int) {
    guard let primitive = graph.primitive(at: index) else {
      return (LayerGraph.Leaf(rawValue: index)?.name ?? "?", 4)
    }
    let inputs = graph.inputs(of: index)
    func operand(_ i: Int, atLeast level: Int) -> String {
      let (text, own) = self.text(of: inputs[i])
      return own >= level ? text : "(\(text))"
    }
    switch primitive {
    case .add:
      if graph.primitive(at: inputs[1]) == .neg, let negated = graph.inputs(of: inputs[1]).first {
        let (right, level) = text(of: negated)
        return ("\(operand(0, atLeast: 1)) - \(level >= 2 ? right : "(\(right))")", 1)
      }
      return ("\(operand(0, atLeast: 1)) + \(operand(1, atLeast: 2))", 1)
    case .mul:
      let left = graph.primitive(at: inputs[0]) == .div ? "(\(text(of: inputs[0]).text))" : operand(0, atLeast: 2)
      return ("\(left)*\(operand(1, atLeast: 3))", 2)
    case .div:
      return ("\(operand(0, atLeast: 2)) / \(operand(1, atLeast: 3))", 2)
    case .neg:
      return ("-\(operand(0, atLeast: 3))", 3)
    default:
      return ("\(primitive.name)(\(inputs.map { text(of: $0).text }.joined(separator: ", ")))", 4)
    }
  }
}

private struct FormulaParser {
  let characters: [Character]
  var position = 0
  var nodes: [LayerGraph.Node] = []
  private var indexOfNode: [LayerGraph.Node: Int] = [:]

  init(text: String) { characters = Array(text) }

  mutating func parseFormula() throws -> Int {
    let root = try parseSum(depth: 0)
    skipSpaces()
    guard position == characters.count else { throw fail("unexpected '\(characters[position])'") }
    return root
  }

  private func fail(_ message: String) -> GraphError { .parse(message, position: position) }

  private mutating func skipSpaces() {
    while position < characters.count && characters[position].isWhitespace { position += 1 }
  }

  private mutating func accept(_ symbol: Character) -> Bool {
    skipSpaces()
    guard position < characters.count && characters[position] == symbol else { return false }
    position += 1
    return true
  }

  private mutating func expect(_ symbol: Character) throws {
    guard accept(symbol) else {
      throw fail(
        position < characters.count
          ? "expected '\(symbol)', found '\(characters[position])'" : "expected '\(symbol)' at the end")
    }
  }

  private mutating func make(_ primitive: Primitive, _ inputs: [Int]) -> Int {
    let node = LayerGraph.Node(primitive, inputs)
    if let existing = indexOfNode[node] { return existing }
    nodes.append(node)
    let index = LayerGraph.leafCount + nodes.count - 1
    indexOfNode[node] = index
    return index
  }

  private mutating func parseSum(depth: Int) throws -> Int {
    guard depth < 200 else { throw fail("formula nested too deeply") }
    var left = try parseProduct(depth: depth)
    while true {
      if accept("+") {
        left = make(.add, [left, try parseProduct(depth: depth)])
      } else if accept("-") {
        let right = try parseProduct(depth: depth)
        left = make(.add, [left, make(.neg, [right])])
      } else {
        return left
      }
    }
  }

  private mutating func parseProduct(depth: Int) throws -> Int {
    var left = try parseUnary(depth: depth)
    while true {
      if accept("*") {
        left = make(.mul, [left, try parseUnary(depth: depth)])
      } else if accept("/") {
        left = make(.div, [left, try parseUnary(depth: depth)])
      } else {
        return left
      }
    }
  }

  private mutating func parseUnary(depth: Int) throws -> Int {
    guard depth < 200 else { throw fail("formula nested too deeply") }
    if accept("-") { return make(.neg, [try parseUnary(depth: depth + 1)]) }
    return try parseAtom(depth: depth)
  }

  private mutating func parseAtom(depth: Int) throws -> Int {
    skipSpaces()
    if accept("(") {
      let inner = try parseSum(depth: depth + 1)
      try expect(")")
      return inner
    }
    let start = position
    let name = readName()
    guard !name.isEmpty else {
      throw fail(position < characters.count ? "unexpected '\(characters[position])'" : "formula ends early")
    }
    if let leaf = LayerGraph.Leaf.allCases.first(where: { $0.name == name }) { return leaf.rawValue }
    guard let primitive = Primitive(name: name) else {
      position = start
      throw fail("unknown name '\(name)' (leaves are x, 0, v0, v1)")
    }
    try expect("(")
    var inputs = [try parseSum(depth: depth + 1)]
    while accept(",") { inputs.append(try parseSum(depth: depth + 1)) }
    try expect(")")
    guard inputs.count == primitive.arity else {
      throw fail("\(name) takes \(primitive.arity) input\(primitive.arity == 1 ? "" : "s"), got \(inputs.count)")
    }
    return make(primitive, inputs)
  }

  /// An identifier, the literal `0`, or an aggregation name with a `/g` group suffix.
  private mutating func readName() -> String {
    var name = ""
    while position < characters.count,
      characters[position].isLetter || characters[position].isNumber || characters[position] == "_"
    {
      name.append(characters[position])
      position += 1
    }
    if name.hasSuffix("_hwc"), position + 1 < characters.count, characters[position] == "/",
      characters[position + 1] == "g"
    {
      name += "/g"
      position += 2
    }
    return name
  }
}
