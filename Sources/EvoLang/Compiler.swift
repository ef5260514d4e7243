/// A compiled top-level chunk: statements, its frame size, and the value of its final expression.
final class Chunk {
  var body = Block([])
  var frameSize = 1
  var result: Value?
}

/// The variables of one function (or of a chunk's top level) during compilation.
final class FunctionScope {
  let parent: FunctionScope?
  let name: String
  let isTopLevel: Bool
  let isMethod: Bool
  var blocks: [[String: LocalSlot]] = [[:]]
  var nextSlot: Int
  var frameSize: Int
  var captures: [CaptureSource] = []
  /// Capture index by the captured variable (outer local slot object or outer upvalue index).
  var captureByLocal: [ObjectIdentifier: Int] = [:]
  var captureByUpvalue: [Int: Int] = [:]
  var loopDepth = 0
  /// How many `if` expressions (an `if` used as a value) enclose the code being compiled.
  var valueIfDepth = 0
  var usesSuper = false

  init(parent: FunctionScope?, name: String, isTopLevel: Bool, isMethod: Bool, firstSlot: Int) {
    self.parent = parent
    self.name = name
    self.isTopLevel = isTopLevel
    self.isMethod = isMethod
    nextSlot = firstSlot
    frameSize = firstSlot
  }

  func declareLocal(_ name: String) -> LocalSlot {
    let l = LocalSlot(slot: nextSlot, name: name)
    blocks[blocks.count - 1][name] = l
    nextSlot += 1
    frameSize = max(frameSize, nextSlot)
    return l
  }

  func findLocal(_ name: String) -> LocalSlot? {
    for b in blocks.reversed() { if let l = b[name] { return l } }
    return nil
  }

  /// Index of the capture of `name` from enclosing functions, adding captures along the chain.
  func findUpvalue(_ name: String) -> Int? {
    guard let parent, !isTopLevel else { return nil }
    if let l = parent.findLocal(name) {
      l.markCaptured()
      if let i = captureByLocal[ObjectIdentifier(l)] { return i }
      captures.append(.local(l.slot))
      captureByLocal[ObjectIdentifier(l)] = captures.count - 1
      return captures.count - 1
    }
    guard let outer = parent.findUpvalue(name) else { return nil }
    if let i = captureByUpvalue[outer] { return i }
    captures.append(.upvalue(outer))
    captureByUpvalue[outer] = captures.count - 1
    return captures.count - 1
  }

  /// Whether names declared now are module globals (top level, outside any block).
  var declaresGlobals: Bool { isTopLevel && blocks.count == 1 }
}

/// Resolves names in the parse tree and lowers it to executable nodes.
struct Compiler {
  let module: Module
  let interpreter: Interpreter
  let source: SourceFile
  private var scope: FunctionScope

  static func compileChunk(_ source: SourceFile, module: Module, interpreter: Interpreter) throws -> Chunk {
    let statements = try Parser.parse(source)
    var compiler = Compiler(
      module: module, interpreter: interpreter, source: source,
      scope: FunctionScope(parent: nil, name: "<module>", isTopLevel: true, isMethod: false, firstSlot: 1))
    // Top-level names are declared first so function bodies may refer to functions defined later.
    for s in statements { compiler.hoist(s) }
    let chunk = Chunk()
    chunk.body = Block(try compiler.tailStatements(statements, .chunk(chunk)))
    chunk.frameSize = compiler.scope.frameSize
    return chunk
  }

  private init(module: Module, interpreter: Interpreter, source: SourceFile, scope: FunctionScope) {
    self.module = module
    self.interpreter = interpreter
    self.source = source
    self.scope = scope
  }

  private func hoist(_ s: Stmt) {
    switch s {
    case .let(let names, _, _): for n in names { _ = module.declare(n) }
    case .function(let f): if let n = f.name { _ = module.declare(n) }
    case .class(let c): _ = module.declare(c.name)
    case .import(let m, let alias, _): _ = module.declare(alias ?? m)
    case .fromImport(_, let names, _): for (n, _) in names { _ = module.declare(n) }
    default: break
    }
  }

  // MARK: - Names

  private func visibleNames() -> [String] {
    var names = Set(interpreter.builtinIndex.keys).union(module.globalNames)
    var s: FunctionScope? = scope
    while let x = s {
      for b in x.blocks { names.formUnion(b.keys) }
      s = x.parent
    }
    return Array(names)
  }

  private func read(_ name: String, _ span: SourceSpan) throws -> ExprNode {
    if let l = scope.findLocal(name) { return l.reader(span: span) }
    if let u = scope.findUpvalue(name) { return UpvalueGet(index: u, span: span) }
    if let g = module.cell(name) { return GlobalGet(cell: g, span: span) }
    if let b = interpreter.builtinIndex[name] { return BuiltinGet(index: b, span: span) }
    throw EvoError(.name, "undefined name '\(name)'", span: span, hint: suggestion(for: name, among: visibleNames()))
  }

  /// Where an assignment to an existing variable stores.
  private func assignTarget(_ name: String, _ span: SourceSpan) throws -> StoreNode {
    if let l = scope.findLocal(name) { return LocalStore(l, isDeclaration: false) }
    if let u = scope.findUpvalue(name) { return UpvalueStore(index: u) }
    if let g = module.cell(name) { return GlobalStore(cell: g) }
    if interpreter.builtinIndex[name] != nil {
      throw EvoError(
        .name, "cannot assign to the builtin '\(name)'; declare your own with 'let \(name) = ...'", span: span)
    }
    throw EvoError(
      .name, "assignment to undeclared name '\(name)'; declare it first with 'let \(name) = ...'", span: span,
      hint: suggestion(for: name, among: visibleNames()))
  }

  /// Declares a new variable in the current block (a global at the top level).
  private func declare(_ name: String) -> StoreNode {
    if scope.declaresGlobals { return GlobalStore(cell: module.declare(name)) }
    return LocalStore(scope.declareLocal(name), isDeclaration: true)
  }

  private mutating func withBlock<T>(_ body: (inout Compiler) throws -> T) rethrows -> T {
    scope.blocks.append([:])
    defer {
      let released = scope.blocks.removeLast().count
      scope.nextSlot -= released
    }
    return try body(&self)
  }

  // MARK: - Statements

  /// Where the value of a body's last expression goes: a function returns it (`fn(x) { x * 2 }`), a
  /// chunk keeps it as its result (what the REPL and a notebook cell show).
  private enum Tail {
    case function
    case chunk(Chunk)
  }

  /// The statements of a function body or a chunk, whose last expression statement is the body's
  /// value. A last `if` hands that role to the last statement of each branch (so
  /// `fn fact(n) { if n <= 1 { 1 } else { n * fact(n - 1) } }` returns what the branch computes), and a
  /// branch that ends otherwise gives nil.
  private mutating func tailStatements(_ statements: [Stmt], _ tail: Tail) throws -> [StmtNode] {
    var nodes: [StmtNode] = []
    for (i, s) in statements.enumerated() {
      guard i == statements.count - 1 else {
        nodes.append(contentsOf: try statement(s))
        continue
      }
      switch s {
      case .expression(let e):
        let value = try expression(e)
        switch tail {
        case .function: nodes.append(ReturnStmt(value: value, span: e.span))
        case .chunk(let chunk): nodes.append(ExprStmt(expr: value, chunk: chunk))
        }
      case .if(let condition, let then, let otherwise, let span):
        let c = try expression(condition)
        let t = try withBlock { Block(try $0.tailStatements(then, tail)) }
        let o = try withBlock { Block(try $0.tailStatements(otherwise ?? [], tail)) }
        nodes.append(IfStmt(condition: c, then: t, otherwise: o, span: span))
      default:
        nodes.append(contentsOf: try statement(s))
      }
    }
    return nodes
  }

  private mutating func block(_ statements: [Stmt]) throws -> Block {
    try withBlock { c in
      Block(try statements.flatMap { try c.statement($0) })
    }
  }

  mutating func statement(_ s: Stmt) throws -> [StmtNode] {
    switch s {
    case .expression(let e):
      return [ExprStmt(expr: try expression(e), chunk: nil)]
    case .let(let names, let value, let span):
      let v = try expression(value)  // the value cannot see the new names
      if names.count == 1 { return [StoreStmt(target: declare(names[0]), value: v, span: span)] }
      return [UnpackStmt(targets: names.map { declare($0) }, value: v, span: span)]
    case .assign(let target, let op, let value, let span):
      return [try assignment(target, op, value, span)]
    case .function(let decl):
      // Declared before the body is compiled, so the function can call itself.
      let declaration = declare(decl.name ?? "<fn>")
      let assignment = declaration.assignment()
      return [
        FunctionStmt(function: try function(decl, isMethod: false), declaration: declaration, assignment: assignment)
      ]
    case .class(let decl):
      let target = declare(decl.name)
      let superclass = try decl.superclass.map { try expression($0) }
      let methods = try decl.methods.map { try function($0, isMethod: true, hasSuperclass: decl.superclass != nil) }
      let fields = try decl.fields.map { name, e, span in
        (
          name,
          try function(
            FunctionDecl(name: "\(decl.name).\(name)", parameters: [], body: [.return(e, span)], span: span, doc: nil),
            isMethod: false)
        )
      }
      return [
        ClassStmt(
          name: decl.name, superclass: superclass, methods: methods, fields: fields, doc: decl.doc, target: target,
          span: decl.span)
      ]
    case .if(let condition, let then, let otherwise, let span):
      return [
        IfStmt(
          condition: try expression(condition), then: try block(then),
          otherwise: try otherwise.map { try block($0) } ?? Block([]), span: span)
      ]
    case .while(let condition, let body, let span):
      let c = try expression(condition)
      scope.loopDepth += 1
      defer { scope.loopDepth -= 1 }
      return [WhileStmt(condition: c, body: try block(body), span: span)]
    case .for(let names, let iterable, let body, let span):
      let source = try expression(iterable)
      scope.loopDepth += 1
      defer { scope.loopDepth -= 1 }
      return try withBlock { c in
        // Loop variables live in the loop's block, even at the top level.
        let targets = names.map { LocalStore(c.scope.declareLocal($0), isDeclaration: true) }
        return [ForStmt(targets: targets, iterable: source, body: try c.block(body), span: span)]
      }
    case .break(let span), .continue(let span):
      guard scope.loopDepth > 0 else {
        let word = if case .break = s { "break" } else { "continue" }
        if scope.valueIfDepth > 0 {
          throw EvoError(.syntax, "'\(word)' cannot jump out of an 'if' used as a value", span: span)
        }
        throw EvoError(.syntax, "'\(word)' outside a loop", span: span)
      }
      if case .break = s { return [JumpStmt(flow: .breakLoop, span: span)] }
      return [JumpStmt(flow: .continueLoop, span: span)]
    case .return(let value, let span):
      guard !scope.isTopLevel else { throw EvoError(.syntax, "'return' outside a function", span: span) }
      guard scope.valueIfDepth == 0 else {
        throw EvoError(
          .syntax, "'return' cannot jump out of an 'if' used as a value; use an 'if' statement", span: span)
      }
      return [ReturnStmt(value: try value.map { try expression($0) }, span: span)]
    case .throw(let value, let span):
      return [ThrowStmt(value: try expression(value), span: span)]
    case .try(let body, let kind, let name, let handler, let span):
      let b = try block(body)
      return try withBlock { c in
        let binding = name.map { LocalStore(c.scope.declareLocal($0), isDeclaration: true) }
        return [TryStmt(body: b, kind: kind, binding: binding, handler: try c.block(handler), span: span)]
      }
    case .import(let name, let alias, let span):
      return [ImportStmt(module: name, fromDirectory: directory, bindings: [(nil, declare(alias ?? name))], span: span)]
    case .fromImport(let name, let members, let span):
      return [
        ImportStmt(module: name, fromDirectory: directory, bindings: members.map { ($0.0, declare($0.0)) }, span: span)
      ]
    }
  }

  /// The folder of the file being compiled (imports look there first).
  private var directory: String? {
    let name = module.path ?? source.name
    guard let slash = name.lastIndex(of: "/") else { return name.hasPrefix("<") ? nil : "." }
    return String(name[..<slash])
  }

  private mutating func assignment(_ target: AssignTarget, _ op: String?, _ value: Expr, _ span: SourceSpan) throws
    -> StmtNode
  {
    let binaryOp = op.flatMap { BinaryOp(rawValue: $0) }
    switch target {
    case .name(let name, let nameSpan):
      var v = try expression(value)
      if let binaryOp { v = binary(binaryOp, try read(name, nameSpan), v, span) }
      return StoreStmt(target: try assignTarget(name, nameSpan), value: v, span: span)
    case .member(let object, let name, _):
      return MemberStoreStmt(
        object: try expression(object), name: name, value: try expression(value), op: binaryOp, span: span)
    case .index(let object, let parts, _):
      return IndexStoreStmt(
        object: try expression(object), parts: try indexParts(parts), value: try expression(value), op: binaryOp,
        span: span)
    }
  }

  private mutating func function(_ decl: FunctionDecl, isMethod: Bool, hasSuperclass: Bool = false) throws
    -> FunctionNode
  {
    let name = decl.name ?? "<fn>"
    let outer = scope
    let inner = FunctionScope(parent: outer, name: name, isTopLevel: false, isMethod: isMethod, firstSlot: 1)
    scope = inner
    defer { scope = outer }
    if isMethod { _ = inner.declareLocal("self") }
    let outerSuperAllowed = superAllowed
    superAllowed = isMethod && hasSuperclass
    defer { superAllowed = outerSuperAllowed }
    let params = decl.parameters.map { inner.declareLocal($0.name) }
    let defaults = try decl.parameters.map { try $0.defaultValue.map { try expression($0) } }
    let proto = FunctionProto(
      name: name, parameterNames: decl.parameters.map(\.name), defaults: defaults,
      variadic: decl.parameters.last?.variadic ?? false, isMethod: isMethod, doc: decl.doc, span: decl.span)
    proto.defaultTexts = decl.parameters.map(\.defaultText)
    interpreter.compiledFunctions.append(proto)
    proto.setBody(try tailStatements(decl.body, .function))
    proto.frameSize = inner.frameSize
    proto.captures = inner.captures
    proto.usesSuper = inner.usesSuper
    var boxed = params.filter(\.boxed).map(\.slot)
    if isMethod, let selfSlot = inner.blocks[0]["self"], selfSlot.boxed { boxed.append(selfSlot.slot) }
    proto.boxedSlots = boxed
    return FunctionNode(proto: proto, span: decl.span)
  }

  private var superAllowed = false

  // MARK: - Expressions

  mutating func expression(_ e: Expr) throws -> ExprNode {
    switch e {
    case .number(let n, let span): return NumberNode(n, span: span)
    case .bool(let b, let span): return ConstNode(.bool(b), span: span)
    case .nil(let span): return ConstNode(.null, span: span)
    case .string(let parts, let span):
      if parts.count == 1, case .text(let t) = parts[0] { return ConstNode(.string(t), span: span) }
      var literals = [""]
      var expressions: [ExprNode] = []
      for p in parts {
        switch p {
        case .text(let t): literals[literals.count - 1] += t
        case .expr(let x):
          expressions.append(try expression(x))
          literals.append("")
        }
      }
      return InterpolationNode(literals: literals, expressions: expressions, span: span)
    case .name(let name, let span): return try read(name, span)
    case .selfRef(let span):
      guard scope.findLocal("self") != nil || scope.findUpvalue("self") != nil else {
        throw EvoError(.syntax, "'self' is only available inside methods", span: span)
      }
      return try read("self", span)
    case .superMember(let name, let span):
      guard superAllowed, scope.isMethod else {
        throw EvoError(.syntax, "'super' is only available directly in methods of a subclass", span: span)
      }
      scope.usesSuper = true
      return SuperMemberNode(name: name, span: span)
    case .list(let items, let span): return ListNode(items: try items.map { try expression($0) }, span: span)
    case .dict(let pairs, let span):
      return DictNode(pairs: try pairs.map { (try expression($0.0), try expression($0.1)) }, span: span)
    case .unary(let op, let operand, let span): return UnaryNode(op: op, operand: try expression(operand), span: span)
    case .binary(let op, let l, let r, let span):
      guard let bop = BinaryOp(rawValue: op) else { throw EvoError(.syntax, "unknown operator '\(op)'", span: span) }
      return binary(bop, try expression(l), try expression(r), span)
    case .logical(let isAnd, let l, let r, let span):
      return LogicalNode(isAnd: isAnd, left: try expression(l), right: try expression(r), span: span)
    case .call(let callee, let args, let span):
      let argNodes = try args.map { ArgumentNode(label: $0.label, value: try expression($0.value), spread: $0.spread) }
      if case .member(let object, let name, _) = callee {
        return MethodCallNode(
          object: try expression(object), name: name, args: argNodes, enclosing: scope.name, span: span)
      }
      return CallNode(callee: try expression(callee), args: argNodes, enclosing: scope.name, span: span)
    case .member(let object, let name, let span):
      return MemberNode(object: try expression(object), name: name, span: span)
    case .index(let object, let parts, let span):
      return IndexNode(object: try expression(object), parts: try indexParts(parts), span: span)
    case .function(let decl):
      return try function(decl, isMethod: false)
    case .if(let condition, let then, let otherwise, let span):
      return try ifValue(condition, then, otherwise, span)
    }
  }

  /// An `if` used as a value. `return`, `break` and `continue` cannot leave it: an expression has no
  /// way to hand such a jump to the statements around it.
  private mutating func ifValue(
    _ condition: Expr, _ then: [Stmt], _ otherwise: [Stmt]?, _ span: SourceSpan
  ) throws -> ExprNode {
    let c = try expression(condition)
    let loops = scope.loopDepth
    scope.loopDepth = 0
    scope.valueIfDepth += 1
    defer {
      scope.loopDepth = loops
      scope.valueIfDepth -= 1
    }
    let t = try branchValue(then, span)
    let o = try branchValue(otherwise ?? [], span)
    return IfValueNode(
      condition: c, then: t.body, thenValue: t.value, otherwise: o.body, otherwiseValue: o.value, span: span)
  }

  /// A branch of an `if` used as a value: its statements, and its last expression (nil without one).
  private mutating func branchValue(_ statements: [Stmt], _ span: SourceSpan) throws -> (body: Block, value: ExprNode) {
    try withBlock { c in
      var body: [StmtNode] = []
      for (i, s) in statements.enumerated() {
        if i == statements.count - 1 {
          if case .expression(let e) = s { return (Block(body), try c.expression(e)) }
          if case .if(let x, let t, let o, let ifSpan) = s { return (Block(body), try c.ifValue(x, t, o, ifSpan)) }
        }
        body.append(contentsOf: try c.statement(s))
      }
      return (Block(body), ConstNode(.null, span: span))
    }
  }

  /// A binary operation node, specialised when the right operand is a number literal.
  private func binary(_ op: BinaryOp, _ left: ExprNode, _ right: ExprNode, _ span: SourceSpan) -> ExprNode {
    if let n = right as? NumberNode {
      if let l = left as? LocalGet { return LocalConstNode(op: op, local: l, constant: n.number, span: span) }
      return BinaryConstNode(op: op, left: left, constant: n.number, span: span)
    }
    return BinaryNode(op: op, left: left, right: right, span: span)
  }

  private mutating func indexParts(_ parts: [IndexPart]) throws -> [IndexNodePart] {
    try parts.map { p in
      switch p {
      case .single(let e): return .single(try expression(e))
      case .slice(let a, let b, let c):
        return .slice(
          try a.map { try expression($0) }, try b.map { try expression($0) }, try c.map { try expression($0) })
      case .ellipsis: return .ellipsis
      }
    }
  }
}
