/// Nodes run through unmanaged references kept in a buffer the list owns alongside the nodes
/// themselves: a strong reference per node run, or a retained array, would cost a retain and a
/// release each.
final class NodeList<Node: AnyObject> {
  let nodes: [Node]
  let refs: UnsafeMutableBufferPointer<Unmanaged<Node>>

  init(_ nodes: [Node]) {
    self.nodes = nodes
    refs = .allocate(capacity: nodes.count)
    _ = refs.initialize(from: nodes.map { Unmanaged.passUnretained($0) })
  }

  deinit { refs.deallocate() }

  var count: Int { refs.count }
}

/// Argument expressions, evaluated without retains.
typealias ExprList = NodeList<ExprNode>

extension NodeList where Node == ExprNode {
  /// Evaluates the expressions in order, handing each value and its index to `body`.
  @inline(__always)
  func forEach(_ f: Frame, _ vm: Interpreter, _ body: (Int, Value) throws -> Void) throws {
    for (i, r) in refs.enumerated() { try body(i, try r._withUnsafeGuaranteedRef { try $0.eval(f, vm) }) }
  }

  /// Evaluates the expressions into consecutive slots from `slots`, which hold nil.
  @inline(__always)
  func evaluate(into slots: Frame, _ f: Frame, _ vm: Interpreter) throws {
    for (i, r) in refs.enumerated() {
      (slots + i).initialize(to: try r._withUnsafeGuaranteedRef { try $0.eval(f, vm) })
    }
  }
}

/// The statements of a block, run without retains.
typealias Block = NodeList<StmtNode>

extension NodeList where Node == StmtNode {
  /// Runs the statements; stops at the first one that does not finish normally.
  @inline(__always)
  func run(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    for r in refs {
      let flow = try r._withUnsafeGuaranteedRef { try $0.exec(f, vm) }
      if case .normal = flow { continue }
      return flow
    }
    return .normal
  }
}
