final class ExprStmt: StmtNode {
  let expr: ExprNode
  /// Set for a chunk's final expression statement: its value becomes the chunk's result.
  let chunk: Chunk?
  init(expr: ExprNode, chunk: Chunk?) {
    self.expr = expr
    self.chunk = chunk
    super.init(span: expr.span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    let v = try expr.eval(f, vm)
    chunk?.result = v
    return .normal
  }
}

/// `let a = v` or `a = v`.
final class StoreStmt: StmtNode {
  let target: StoreNode
  let value: ExprNode
  init(target: StoreNode, value: ExprNode, span: SourceSpan) {
    self.target = target
    self.value = value
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    target.store(try value.eval(f, vm), f)
    return .normal
  }
}

/// `let a, b = [x, y]` (destructuring).
final class UnpackStmt: StmtNode {
  let targets: [StoreNode]
  let value: ExprNode
  init(targets: [StoreNode], value: ExprNode, span: SourceSpan) {
    self.targets = targets
    self.value = value
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    let v = try value.eval(f, vm)
    let items = try located(span) { try vm.iterate(v) }
    guard items.count == targets.count else {
      throw EvoError(.value, "cannot unpack \(items.count) values into \(targets.count) names", span: span)
    }
    for (t, item) in zip(targets, items) { t.store(item, f) }
    return .normal
  }
}

/// `object.name = v` and `object.name op= v`.
final class MemberStoreStmt: StmtNode {
  let object: ExprNode, name: String, value: ExprNode, op: BinaryOp?
  init(object: ExprNode, name: String, value: ExprNode, op: BinaryOp?, span: SourceSpan) {
    self.object = object
    self.name = name
    self.value = value
    self.op = op
    local = object as? LocalGet
    super.init(span: span)
  }
  private var cache = FieldSlotCache()
  /// The object when it is a local variable (`self.x = ...`, the usual case), read in place: the
  /// value expression cannot reassign an unboxed local.
  private let local: LocalGet?

  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    if let local, !local.boxed {
      let v = try value.eval(f, vm)
      if let instance = f[local.slot].unretainedInstance,
        try instance._withUnsafeGuaranteedRef({ try store(v, into: $0, vm) })
      {
        return .normal
      }
      return try storeGeneral(try local.eval(f, vm), v, vm)
    }
    let o = try object.eval(f, vm)
    let v = try value.eval(f, vm)
    if let instance = o.unretainedInstance, try instance._withUnsafeGuaranteedRef({ try store(v, into: $0, vm) }) {
      return .normal
    }
    return try storeGeneral(o, v, vm)
  }

  /// Stores into the instance's field slot (cached per class); false when `op=` finds the field unset
  /// (the general path then raises its error).
  @inline(__always)
  private func store(_ v: Value, into i: Instance, _ vm: Interpreter) throws -> Bool {
    let slot = cache.slot(declaring: name, in: i.klass)
    guard let op else {
      i.set(at: slot, v)
      return true
    }
    if case .number(let y) = v, i.updateNumber(at: slot, op, y) { return true }
    guard let old = i.field(at: slot) else { return false }
    if case .number(let x) = old, case .number(let y) = v, let r = numberOperation(op, x, y) {
      i.set(at: slot, r)
    } else {
      i.set(at: slot, try located(span) { try vm.binary(op, old, v) })
    }
    return true
  }

  private func storeGeneral(_ o: Value, _ value: Value, _ vm: Interpreter) throws -> Flow {
    var v = value
    try located(span) {
      if let op { v = try vm.binary(op, try vm.getMember(o, name), v) }
      try vm.setMember(o, name, v)
    }
    return .normal
  }
}

/// `object[index] = v` and `object[index] op= v`.
final class IndexStoreStmt: StmtNode {
  let object: ExprNode, parts: [IndexNodePart], value: ExprNode, op: BinaryOp?
  init(object: ExprNode, parts: [IndexNodePart], value: ExprNode, op: BinaryOp?, span: SourceSpan) {
    self.object = object
    self.parts = parts
    self.value = value
    self.op = op
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    let o = try object.eval(f, vm)
    let items = try parts.map { try $0.eval(f, vm) }
    var v = try value.eval(f, vm)
    try located(span) {
      if let op { v = try vm.binary(op, try vm.getIndex(o, items), v) }
      try vm.setIndex(o, items, v)
    }
    return .normal
  }
}

final class IfStmt: StmtNode {
  let condition: ExprNode, then: Block, otherwise: Block
  init(condition: ExprNode, then: Block, otherwise: Block, span: SourceSpan) {
    self.condition = condition
    self.then = then
    self.otherwise = otherwise
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    if try condition.test(f, vm) { return try then.run(f, vm) }
    return try otherwise.run(f, vm)
  }
}

/// `if c { ... v } else { ... w }` used as a value: runs the taken branch's statements, then gives its
/// last expression (the compiler makes it nil for a branch without one). No jump can leave a branch.
final class IfValueNode: ExprNode {
  let condition: ExprNode, then: Block, thenValue: ExprNode, otherwise: Block, otherwiseValue: ExprNode
  init(
    condition: ExprNode, then: Block, thenValue: ExprNode, otherwise: Block, otherwiseValue: ExprNode, span: SourceSpan
  ) {
    self.condition = condition
    self.then = then
    self.thenValue = thenValue
    self.otherwise = otherwise
    self.otherwiseValue = otherwiseValue
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    if try condition.test(f, vm) {
      _ = try then.run(f, vm)
      return try thenValue.eval(f, vm)
    }
    _ = try otherwise.run(f, vm)
    return try otherwiseValue.eval(f, vm)
  }
}

final class WhileStmt: StmtNode {
  let condition: ExprNode, body: Block
  init(condition: ExprNode, body: Block, span: SourceSpan) {
    self.condition = condition
    self.body = body
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    while try condition.test(f, vm) {
      try located(span) { try vm.tick() }
      switch try body.run(f, vm) {
      case .breakLoop: return .normal
      case .returned: return .returned
      case .normal, .continueLoop: continue
      }
    }
    return .normal
  }
}

final class ForStmt: StmtNode {
  let targets: [StoreNode], iterable: ExprNode, body: Block
  /// The first loop variable (the only one in most loops), read without indexing `targets`.
  let target: StoreNode
  init(targets: [StoreNode], iterable: ExprNode, body: Block, span: SourceSpan) {
    self.targets = targets
    self.iterable = iterable
    self.body = body
    target = targets[0]
    super.init(span: span)
  }

  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    let source = try iterable.eval(f, vm)
    if case .range(let r) = source, targets.count == 1 {
      let (start, step, count) = (r.start, r.step, r.count)
      for i in 0..<count {
        target.store(.number(start + Double(i) * step), f)
        if let flow = try self.step(f, vm) { return flow }
      }
      return .normal
    }
    if case .dict(let d) = source, targets.count == 2 {
      for (k, v) in zip(d.keys, d.values) {
        targets[0].store(k.value, f)
        targets[1].store(v, f)
        if let flow = try step(f, vm) { return flow }
      }
      return .normal
    }
    let items = try located(iterable.span) { try vm.iterate(source) }
    for item in items {
      if targets.count == 1 {
        targets[0].store(item, f)
      } else {
        let parts = try located(iterable.span) { try vm.iterate(item) }
        guard parts.count == targets.count else {
          throw EvoError(
            .value, "cannot unpack \(parts.count) values into \(targets.count) loop variables", span: iterable.span)
        }
        for (t, p) in zip(targets, parts) { t.store(p, f) }
      }
      if let flow = try step(f, vm) { return flow }
    }
    return .normal
  }

  /// Runs one iteration; returns the flow that ends the loop, or nil to go on.
  @inline(__always)
  private func step(_ f: Frame, _ vm: Interpreter) throws -> Flow? {
    try located(span) { try vm.tick() }
    switch try body.run(f, vm) {
    case .breakLoop: return .normal
    case .returned: return .returned
    case .normal, .continueLoop: return nil
    }
  }
}

final class JumpStmt: StmtNode {
  let flow: Flow
  init(flow: Flow, span: SourceSpan) {
    self.flow = flow
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow { flow }
}

final class ReturnStmt: StmtNode {
  /// The returned expression (a nil literal for a bare `return`).
  let value: ExprNode
  init(value: ExprNode?, span: SourceSpan) {
    self.value = value ?? ConstNode(.null, span: span)
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    vm.setReturnValue(try value.eval(f, vm))
    return .returned
  }
}

final class ThrowStmt: StmtNode {
  let value: ExprNode
  init(value: ExprNode, span: SourceSpan) {
    self.value = value
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    let v = try value.eval(f, vm)
    // A caught error object is raised again as it was (kind, message, line), as Python's `raise e`:
    // a NumericError passed on by a cleanup handler stays a NumericError for the code above.
    if case .native(let object) = v, let caught = object as? ErrorObject { throw caught.error }
    throw EvoError(.thrown, v.text, span: span, value: v)
  }
}

/// `try { } catch e { }`: catches every Evo error except an interruption (Ctrl-C must reach the prompt);
/// `catch ShapeError e { }` catches only errors of that kind. A thrown value is bound as itself, any
/// other error as an error object (`e.kind`, `e.message`).
final class TryStmt: StmtNode {
  let body: Block, handler: Block, binding: StoreNode?, kind: ErrorKind?
  init(body: Block, kind: ErrorKind?, binding: StoreNode?, handler: Block, span: SourceSpan) {
    self.body = body
    self.kind = kind
    self.binding = binding
    self.handler = handler
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    do {
      return try body.run(f, vm)
    } catch let e as EvoError where e.kind != .interrupted && (kind == nil || kind == e.kind) {
      binding?.store(e.kind == .thrown ? (e.value ?? .null) : .native(ErrorObject(e)), f)
      return try handler.run(f, vm)
    }
  }
}

/// `fn name() {}` as a statement: declares the variable (a fresh cell when closures capture it, so the
/// function can capture itself), makes the closure, then stores it.
final class FunctionStmt: StmtNode {
  let function: FunctionNode, declaration: StoreNode, assignment: StoreNode
  init(function: FunctionNode, declaration: StoreNode, assignment: StoreNode) {
    self.function = function
    self.declaration = declaration
    self.assignment = assignment
    super.init(span: function.span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    if declaration is LocalStore { declaration.store(.null, f) }
    assignment.store(.closure(function.makeClosure(f)), f)
    return .normal
  }
}

/// `class Name: Base { ... }`.
final class ClassStmt: StmtNode {
  let name: String, superclass: ExprNode?, methods: [FunctionNode], fields: [(String, FunctionNode)], doc: String?,
    target: StoreNode
  init(
    name: String, superclass: ExprNode?, methods: [FunctionNode], fields: [(String, FunctionNode)], doc: String?,
    target: StoreNode, span: SourceSpan
  ) {
    self.name = name
    self.superclass = superclass
    self.methods = methods
    self.fields = fields
    self.doc = doc
    self.target = target
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    var base: ClassObject?
    if let superclass {
      guard case .klass(let k) = try superclass.eval(f, vm) else {
        throw EvoError(.type, "the superclass of \(name) must be a class", span: superclass.span)
      }
      base = k
    }
    let k = ClassObject(name: name, superclass: base, doc: doc)
    k.fieldInitializers = fields.map { ($0.0, $0.1.makeClosure(f)) }
    for m in methods {
      let c = m.makeClosure(f)
      c.definingClassName = name
      c.superclass = base
      k.methods[m.proto.name] = c
    }
    target.store(.klass(k), f)
    return .normal
  }
}

/// `import name [as alias]` and `from name import a, b`.
final class ImportStmt: StmtNode {
  let module: String
  let fromDirectory: String?
  let bindings: [(member: String?, target: StoreNode)]
  init(module: String, fromDirectory: String?, bindings: [(member: String?, target: StoreNode)], span: SourceSpan) {
    self.module = module
    self.fromDirectory = fromDirectory
    self.bindings = bindings
    super.init(span: span)
  }
  override func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow {
    let m = try located(span) { try vm.importModule(module, from: fromDirectory) }
    for (member, target) in bindings {
      if let member {
        guard let v = m.value(of: member) else {
          throw EvoError(
            .import, "module '\(module)' has no member '\(member)'", span: span,
            hint: suggestion(for: member, among: m.definedNames))
        }
        target.store(v, f)
      } else {
        target.store(.module(m), f)
      }
    }
    return .normal
  }
}
