/// How a statement finished.
enum Flow {
  case normal, breakLoop, continueLoop, returned
}

/// An executable expression with resolved names.
class ExprNode {
  let span: SourceSpan
  init(span: SourceSpan) { self.span = span }
  func eval(_ f: Frame, _ vm: Interpreter) throws -> Value { .null }
  /// The value's truthiness, for conditions; comparisons answer without building a boolean value.
  func test(_ f: Frame, _ vm: Interpreter) throws -> Bool { try eval(f, vm).isTrue }
}

/// An executable statement.
class StmtNode {
  let span: SourceSpan
  init(span: SourceSpan) { self.span = span }
  func exec(_ f: Frame, _ vm: Interpreter) throws -> Flow { .normal }
}

/// A node whose error gets this node's span when the error has none yet.
@inline(__always)
func located<T>(_ span: SourceSpan, _ body: () throws -> T) throws -> T {
  do { return try body() } catch { throw locatedError(error, span) }
}

@inline(never)
func locatedError(_ error: any Error, _ span: SourceSpan) -> EvoError {
  EvoError(host: error, span: span)
}

// MARK: - Constants and variables

final class ConstNode: ExprNode {
  let value: Value
  init(_ value: Value, span: SourceSpan) {
    self.value = value
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value { value }
}

/// A number literal: built in place, no stored value to copy.
final class NumberNode: ExprNode {
  let number: Double
  init(_ number: Double, span: SourceSpan) {
    self.number = number
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value { .number(number) }
}

/// Reads a local slot; `boxed` when closures capture the variable (the slot then holds a cell).
final class LocalGet: ExprNode {
  let slot: Int
  var boxed = false
  let name: String
  init(slot: Int, name: String, span: SourceSpan) {
    self.slot = slot
    self.name = name
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let p = f + slot
    // A number is rebuilt rather than copied: no call to the enum's copy function.
    if case .number(let n) = p.pointee { return .number(n) }
    if boxed, case .cell(let c) = p.pointee { return c.value }
    return p.pointee
  }

  /// The instance the (unboxed) slot holds, without a retain: only this frame can change the slot.
  @inline(__always)
  func unretainedInstance(_ f: Frame) -> Unmanaged<Instance>? {
    boxed ? nil : f[slot].unretainedInstance
  }
}

final class UpvalueGet: ExprNode {
  let index: Int
  init(index: Int, span: SourceSpan) {
    self.index = index
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    guard case .closure(let c) = f[0] else { return .null }
    return c.captures[index].value
  }
}

final class GlobalGet: ExprNode {
  let cell: GlobalCell
  init(cell: GlobalCell, span: SourceSpan) {
    self.cell = cell
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let v = cell.value
    if case .undefined = v {
      if let b = vm.builtinIndex[cell.name] { return vm.builtins[b] }
      throw EvoError(.name, "'\(cell.name)' is used before it is defined", span: span)
    }
    return v
  }
}

final class BuiltinGet: ExprNode {
  let index: Int
  init(index: Int, span: SourceSpan) {
    self.index = index
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value { vm.builtins[index] }
}

/// A local variable's slot and whether closures capture it; shared by all nodes that access it, so
/// capture discovered later switches all of them to boxed access.
final class LocalSlot {
  let slot: Int
  let name: String
  private(set) var boxed = false
  private var readers: [LocalGet] = []
  private var writers: [LocalStore] = []

  init(slot: Int, name: String) {
    self.slot = slot
    self.name = name
  }

  func reader(span: SourceSpan) -> LocalGet {
    let r = LocalGet(slot: slot, name: name, span: span)
    r.boxed = boxed
    readers.append(r)
    return r
  }

  func register(_ w: LocalStore) {
    w.boxed = boxed
    writers.append(w)
  }

  func markCaptured() {
    guard !boxed else { return }
    boxed = true
    for r in readers { r.boxed = true }
    for w in writers { w.boxed = true }
  }
}

/// Stores a value into a variable: a local slot, a captured variable or a module global.
class StoreNode {
  /// The same variable as an assignment (not a declaration).
  func assignment() -> StoreNode { self }
  func store(_ value: Value, _ f: Frame) {}
}

/// Stores into a local slot. A declaration (`let`) makes a fresh cell for a boxed local, so each loop
/// iteration's closures capture their own variable.
final class LocalStore: StoreNode {
  let local: LocalSlot
  let slot: Int
  let isDeclaration: Bool
  var boxed = false

  init(_ local: LocalSlot, isDeclaration: Bool) {
    self.local = local
    slot = local.slot
    self.isDeclaration = isDeclaration
    super.init()
    local.register(self)
  }

  override func assignment() -> StoreNode { LocalStore(local, isDeclaration: false) }

  override func store(_ value: Value, _ f: Frame) {
    if boxed {
      if !isDeclaration, case .cell(let c) = f[slot] { c.value = value } else { f[slot] = .cell(Cell(value)) }
      return
    }
    switch f[slot] {
    case .null, .bool, .number, .undefined: (f + slot).initialize(to: value)  // nothing to release
    default: f[slot] = value
    }
  }
}

/// Stores into a variable captured from an enclosing function.
final class UpvalueStore: StoreNode {
  let index: Int
  init(index: Int) { self.index = index }
  override func store(_ value: Value, _ f: Frame) {
    if case .closure(let c) = f[0] { c.captures[index].value = value }
  }
}

/// Stores into a module global.
final class GlobalStore: StoreNode {
  let cell: GlobalCell
  init(cell: GlobalCell) { self.cell = cell }
  override func store(_ value: Value, _ f: Frame) { cell.value = value }
}

// MARK: - Operators

final class BinaryNode: ExprNode {
  let op: BinaryOp
  let left: ExprNode, right: ExprNode
  init(op: BinaryOp, left: ExprNode, right: ExprNode, span: SourceSpan) {
    self.op = op
    self.left = left
    self.right = right
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let a = try left.eval(f, vm)
    let b = try right.eval(f, vm)
    if case .number(let x) = a, case .number(let y) = b, let v = numberOperation(op, x, y) { return v }
    return try located(span) { try vm.binary(op, a, b) }
  }
  override func test(_ f: Frame, _ vm: Interpreter) throws -> Bool {
    let a = try left.eval(f, vm)
    let b = try right.eval(f, vm)
    if case .number(let x) = a, case .number(let y) = b, let t = numberComparison(op, x, y) { return t }
    return try located(span) { try vm.binary(op, a, b) }.isTrue
  }
}

/// `x op y` on two numbers for the operators worth a fast path (nil for the others).
@inline(__always)
func numberOperation(_ op: BinaryOp, _ x: Double, _ y: Double) -> Value? {
  switch op {
  case .add: return .number(x + y)
  case .sub: return .number(x - y)
  case .mul: return .number(x * y)
  case .lt: return .bool(x < y)
  case .le: return .bool(x <= y)
  case .gt: return .bool(x > y)
  case .ge: return .bool(x >= y)
  case .eq: return .bool(x == y)
  default: return nil
  }
}

/// `x op y` for the comparison operators (nil for the others).
@inline(__always)
func numberComparison(_ op: BinaryOp, _ x: Double, _ y: Double) -> Bool? {
  switch op {
  case .lt: return x < y
  case .le: return x <= y
  case .gt: return x > y
  case .ge: return x >= y
  case .eq: return x == y
  default: return nil
  }
}

/// `expr op number`: the right operand a literal, kept as a plain number.
class BinaryConstNode: ExprNode {
  let op: BinaryOp
  let left: ExprNode
  let constant: Double
  init(op: BinaryOp, left: ExprNode, constant: Double, span: SourceSpan) {
    self.op = op
    self.left = left
    self.constant = constant
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let a = try left.eval(f, vm)
    if case .number(let x) = a, let v = numberOperation(op, x, constant) { return v }
    return try located(span) { try vm.binary(op, a, .number(constant)) }
  }
  override func test(_ f: Frame, _ vm: Interpreter) throws -> Bool {
    let a = try left.eval(f, vm)
    if case .number(let x) = a, let t = numberComparison(op, x, constant) { return t }
    return try located(span) { try vm.binary(op, a, .number(constant)) }.isTrue
  }
}

/// `local op number` (`i + 1`, `n < 2`): the local read in place when it holds a number.
final class LocalConstNode: BinaryConstNode {
  let slot: Int
  init(op: BinaryOp, local: LocalGet, constant: Double, span: SourceSpan) {
    slot = local.slot
    super.init(op: op, left: local, constant: constant, span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    // A boxed local's slot holds a cell, never a number: the in-place read then falls through.
    if case .number(let x) = f[slot], let v = numberOperation(op, x, constant) { return v }
    return try super.eval(f, vm)
  }
  override func test(_ f: Frame, _ vm: Interpreter) throws -> Bool {
    if case .number(let x) = f[slot], let t = numberComparison(op, x, constant) { return t }
    return try super.test(f, vm)
  }
}

final class UnaryNode: ExprNode {
  let op: String
  let operand: ExprNode
  init(op: String, operand: ExprNode, span: SourceSpan) {
    self.op = op
    self.operand = operand
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let v = try operand.eval(f, vm)
    if op == "-", case .number(let n) = v { return .number(-n) }
    return try located(span) { try vm.unary(op, v) }
  }
}

final class LogicalNode: ExprNode {
  let isAnd: Bool
  let left: ExprNode, right: ExprNode
  init(isAnd: Bool, left: ExprNode, right: ExprNode, span: SourceSpan) {
    self.isAnd = isAnd
    self.left = left
    self.right = right
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let a = try left.eval(f, vm)
    if a.isTruthy != isAnd { return a }
    return try right.eval(f, vm)
  }
}

// MARK: - Literals

/// `"text \(expr) text"`: literal pieces stay strings; the expressions run through an `ExprList`.
final class InterpolationNode: ExprNode {
  /// The literal text before each expression, and after the last one.
  let literals: [String]
  let expressions: ExprList
  init(literals: [String], expressions: [ExprNode], span: SourceSpan) {
    self.literals = literals
    self.expressions = ExprList(expressions)
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    var s = literals[0]
    try expressions.forEach(f, vm) { i, v in
      s += v.text
      if !literals[i + 1].isEmpty { s += literals[i + 1] }
    }
    return .string(s)
  }
}

final class ListNode: ExprNode {
  let items: [ExprNode]
  init(items: [ExprNode], span: SourceSpan) {
    self.items = items
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    var out: [Value] = []
    out.reserveCapacity(items.count)
    for i in items { out.append(try i.eval(f, vm)) }
    return .list(ListObject(out))
  }
}

final class DictNode: ExprNode {
  let pairs: [(ExprNode, ExprNode)]
  init(pairs: [(ExprNode, ExprNode)], span: SourceSpan) {
    self.pairs = pairs
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let d = DictObject()
    for (k, v) in pairs {
      let key = try k.eval(f, vm)
      guard let hk = DictKey(key) else {
        throw EvoError(.type, "\(key.typeName) cannot be a dictionary key", span: k.span)
      }
      d[hk] = try v.eval(f, vm)
    }
    return .dict(d)
  }
}

/// Creates a closure, capturing cells from the current frame or the current closure.
final class FunctionNode: ExprNode {
  let proto: FunctionProto
  init(proto: FunctionProto, span: SourceSpan) {
    self.proto = proto
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value { .closure(makeClosure(f)) }

  func makeClosure(_ f: Frame) -> Closure {
    var cells: [Cell] = []
    cells.reserveCapacity(proto.captures.count)
    for source in proto.captures {
      switch source {
      case .local(let slot):
        if case .cell(let c) = f[slot] {
          cells.append(c)
        } else {
          // Declared but not yet assigned (e.g. a recursive local function): box it now.
          let c = Cell(f[slot])
          f[slot] = .cell(c)
          cells.append(c)
        }
      case .upvalue(let i):
        if case .closure(let outer) = f[0] { cells.append(outer.captures[i]) } else { cells.append(Cell(.null)) }
      }
    }
    return Closure(proto: proto, captures: cells)
  }
}

// MARK: - Members and indexing

final class MemberNode: ExprNode {
  let object: ExprNode
  let name: String
  init(object: ExprNode, name: String, span: SourceSpan) {
    self.object = object
    self.name = name
    local = object as? LocalGet
    super.init(span: span)
  }
  private var cache = FieldSlotCache()
  /// The object when it is a local variable (`self.x`, the usual case), read in place.
  private let local: LocalGet?
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    if let instance = local?.unretainedInstance(f),
      let v = instance._withUnsafeGuaranteedRef({ i in cache.slot(of: name, in: i.klass).flatMap { i.field(at: $0) } })
    {
      return v
    }
    let o = try object.eval(f, vm)
    if case .instance(let i) = o, let slot = cache.slot(of: name, in: i.klass), let v = i.field(at: slot) { return v }
    return try located(span) { try vm.getMember(o, name) }
  }
}

/// `super.name`: the method of the defining class's superclass, bound to `self`.
final class SuperMemberNode: ExprNode {
  let name: String
  init(name: String, span: SourceSpan) {
    self.name = name
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    guard case .closure(let c) = f[0], let className = c.definingClassName else {
      throw EvoError(.syntax, "'super' is only available in methods of a subclass", span: span)
    }
    guard let m = c.superclass?.findMethod(name) else {
      throw EvoError(.attribute, "the superclass of \(className) has no method '\(name)'", span: span)
    }
    return .boundMethod(BoundMethod(receiver: f[1], method: .closure(m)))
  }
}

enum IndexNodePart {
  case single(ExprNode)
  case slice(ExprNode?, ExprNode?, ExprNode?)
  case ellipsis

  func eval(_ f: Frame, _ vm: Interpreter) throws -> IndexItem {
    switch self {
    case .single(let e): return .value(try e.eval(f, vm))
    case .slice(let a, let b, let c):
      return .slice(
        start: try a?.eval(f, vm) ?? .null, end: try b?.eval(f, vm) ?? .null, step: try c?.eval(f, vm) ?? .null)
    case .ellipsis: return .ellipsis
    }
  }
}

final class IndexNode: ExprNode {
  let object: ExprNode
  let parts: [IndexNodePart]
  init(object: ExprNode, parts: [IndexNodePart], span: SourceSpan) {
    self.object = object
    self.parts = parts
    super.init(span: span)
  }
  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let o = try object.eval(f, vm)
    if parts.count == 1, case .single(let e) = parts[0], case .list(let l) = o, case .number(let n) = try e.eval(f, vm)
    {
      if abs(n) < 1e15, n == n.rounded() {
        let i = n < 0 ? Int(n) + l.items.count : Int(n)
        if i >= 0, i < l.items.count { return l.items[i] }
      }
      return try located(span) { try vm.getIndex(o, [.value(.number(n))]) }
    }
    let items = try parts.map { try $0.eval(f, vm) }
    return try located(span) { try vm.getIndex(o, items) }
  }
}
