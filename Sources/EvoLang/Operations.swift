import EvoLimits
import Foundation

/// Binary operators, resolved once at compile time.
enum BinaryOp: String {
  case add = "+"
  case sub = "-"
  case mul = "*"
  case div = "/"
  case mod = "%"
  case pow = "**"
  case matmul = "@"
  case eq = "=="
  case ne = "!="
  case lt = "<"
  case le = "<="
  case gt = ">"
  case ge = ">="
  case contains = "in"
  case notContains = "not in"
}

extension Interpreter {
  /// Evo equality: numbers, strings, bools and nil by value; lists and dicts element-wise; objects by identity.
  /// Containers nested deeper than `Value.nestingLimit` (a list that contains itself) are a `RecursionError`.
  func equal(_ a: Value, _ b: Value) throws -> Bool { try equal(a, b, depth: 0) }

  private func equal(_ a: Value, _ b: Value, depth: Int) throws -> Bool {
    func deeper() throws -> Int {
      guard depth < Value.nestingLimit else {
        throw EvoError(.recursion, "comparison of containers nested more than \(Value.nestingLimit) deep")
      }
      return depth + 1
    }
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.list(let x), .list(let y)):
      if x === y { return true }
      guard x.items.count == y.items.count else { return false }
      let next = try deeper()
      for (p, q) in zip(x.items, y.items) where !(try equal(p, q, depth: next)) { return false }
      return true
    case (.dict(let x), .dict(let y)):
      if x === y { return true }
      guard x.count == y.count else { return false }
      let next = try deeper()
      for (k, v) in zip(x.keys, x.values) {
        guard let w = y[k], try equal(v, w, depth: next) else { return false }
      }
      return true
    case (.range(let x), .range(let y)): return x.start == y.start && x.end == y.end && x.step == y.step
    case (.closure(let x), .closure(let y)): return x === y
    case (.builtin(let x), .builtin(let y)): return x === y
    case (.klass(let x), .klass(let y)): return x === y
    case (.instance(let x), .instance(let y)): return x === y
    case (.native(let x), .native(let y)): return x === y
    case (.module(let x), .module(let y)): return x === y
    default: return false
    }
  }

  /// Applies a binary operator (numbers take the fast path in the node before calling this).
  func binary(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
    if case .native(let n) = a, let f = n.nativeType.binaryOperator, let r = try f(op.rawValue, a, b) {
      return try afterNative(r)
    }
    if case .native(let n) = b, let f = n.nativeType.binaryOperator, let r = try f(op.rawValue, a, b) {
      return try afterNative(r)
    }
    switch op {
    case .eq: return .bool(try equal(a, b))
    case .ne: return .bool(!(try equal(a, b)))
    case .contains: return .bool(try contains(b, a))
    case .notContains: return .bool(!(try contains(b, a)))
    default: break
    }
    switch (a, b) {
    case (.number(let x), .number(let y)): return try arithmetic(op, x, y)
    case (.string(let x), .string(let y)):
      switch op {
      case .add:
        try MemoryLimit.check(x.utf8.count + y.utf8.count, of: 1, op: "string +")
        return .string(x + y)
      case .lt: return .bool(x < y)
      case .le: return .bool(x <= y)
      case .gt: return .bool(x > y)
      case .ge: return .bool(x >= y)
      default: break
      }
    case (.string(let s), .number(let n)) where op == .mul, (.number(let n), .string(let s)) where op == .mul:
      guard let times = Checked.int(n), times >= 0 else {
        throw EvoError(.value, "a string can be repeated only a whole, non-negative number of times")
      }
      try MemoryLimit.check(s.utf8.count, of: times, op: "string repeat")
      return .string(String(repeating: s, count: times))
    case (.list(let x), .list(let y)) where op == .add:
      try MemoryLimit.check(x.items.count + y.items.count, of: MemoryLayout<Value>.stride, op: "list +")
      return .list(ListObject(x.items + y.items))
    case (.list(let l), .number(let n)) where op == .mul:
      guard let times = Checked.int(n), times >= 0 else {
        throw EvoError(.value, "a list can be repeated only a whole, non-negative number of times")
      }
      try MemoryLimit.check(l.items.count * MemoryLayout<Value>.stride, of: times, op: "list repeat")
      var items: [Value] = []
      items.reserveCapacity(l.items.count * times)
      for _ in 0..<times { items.append(contentsOf: l.items) }
      return .list(ListObject(items))
    case (.instance(let i), _):
      if let r = try instanceOperator(i, op, a, b, reversed: false) { return r }
    case (_, .instance(let i)):
      if let r = try instanceOperator(i, op, b, a, reversed: true) { return r }
    default: break
    }
    throw EvoError(.type, "unsupported operand types for \(op.rawValue): \(a.typeName) and \(b.typeName)")
  }

  /// Operator methods on Evo classes: `add`, `sub`, `mul`, `div`, `matmul`, and `radd` etc. when reversed.
  private func instanceOperator(_ i: Instance, _ op: BinaryOp, _ receiver: Value, _ other: Value, reversed: Bool) throws
    -> Value?
  {
    let names: [BinaryOp: String] = [
      .add: "add", .sub: "sub", .mul: "mul", .div: "div", .matmul: "matmul", .pow: "pow", .mod: "mod", .lt: "lt",
      .le: "le", .gt: "gt", .ge: "ge",
    ]
    guard let base = names[op], let m = i.klass.findMethod(reversed ? "r" + base : base) else { return nil }
    return try callClosure(m, receiver: receiver, [other], [])
  }

  @inline(__always)
  func arithmetic(_ op: BinaryOp, _ x: Double, _ y: Double) throws -> Value {
    switch op {
    case .add: return .number(x + y)
    case .sub: return .number(x - y)
    case .mul: return .number(x * y)
    case .div: return .number(x / y)
    case .mod:
      guard y != 0 else { throw EvoError(.zeroDivision, "modulo by zero") }
      let r = fmod(x, y)
      return .number(r != 0 && (r < 0) != (y < 0) ? r + y : r)
    case .pow: return .number(Foundation.pow(x, y))
    case .lt: return .bool(x < y)
    case .le: return .bool(x <= y)
    case .gt: return .bool(x > y)
    case .ge: return .bool(x >= y)
    case .eq: return .bool(x == y)
    case .ne: return .bool(x != y)
    case .matmul, .contains, .notContains:
      throw EvoError(.type, "unsupported operand types for \(op.rawValue): number and number")
    }
  }

  func unary(_ op: String, _ v: Value) throws -> Value {
    switch (op, v) {
    case ("not", _): return .bool(!v.isTruthy)
    case ("-", .number(let n)): return .number(-n)
    case ("+", .number(let n)): return .number(n)
    case (_, .native(let n)):
      if let f = n.nativeType.unaryOperator, let r = try f(op, n) { return r }
    case ("-", .instance(let i)):
      if let m = i.klass.findMethod("neg") { return try callClosure(m, receiver: v, [], []) }
    default: break
    }
    throw EvoError(.type, "bad operand type for unary \(op): \(v.typeName)")
  }

  func contains(_ container: Value, _ item: Value) throws -> Bool {
    switch container {
    case .list(let l): return try l.items.contains { try equal($0, item) }
    case .dict(let d): return DictKey(item).map { d[$0] != nil } ?? false
    case .string(let s):
      guard case .string(let sub) = item else {
        throw EvoError(.type, "'in <string>' needs a string on the left, not \(item.typeName)")
      }
      return s.contains(sub)
    case .range(let r):
      guard case .number(let n) = item else { return false }
      guard let k = Checked.int((n - r.start) / r.step) else { return false }
      return k >= 0 && k < r.count
    default:
      return try iterate(container).contains { try equal($0, item) }
    }
  }

  /// The items `for x in v` visits.
  func iterate(_ v: Value) throws -> [Value] {
    switch v {
    case .list(let l): return l.items
    case .range(let r):
      try MemoryLimit.check(r.count, of: MemoryLayout<Value>.stride, op: "range items")
      return (0..<r.count).map { .number(r.element($0)) }
    case .string(let s): return s.map { .string(String($0)) }
    case .dict(let d): return d.keys.map(\.value)
    case .native(let n):
      if let f = n.nativeType.iterate { return try f(n) }
    default: break
    }
    throw EvoError(.type, "\(v.typeName) value is not iterable")
  }

  // MARK: - Members

  /// `object.name`.
  func getMember(_ object: Value, _ name: String) throws -> Value {
    switch object {
    case .instance(let i):
      if let v = i.field(name) { return v }
      if let m = i.klass.findMethod(name) { return .boundMethod(BoundMethod(receiver: object, method: .closure(m))) }
      throw EvoError(
        .attribute, "\(i.klass.name) has no field or method '\(name)'",
        hint: suggestion(for: name, among: i.fieldNames + i.klass.allMethodNames))
    case .module(let m):
      if let v = m.value(of: name) { return v }
      throw EvoError(
        .attribute, "module '\(m.name)' has no member '\(name)'", hint: suggestion(for: name, among: m.definedNames))
    case .native(let n):
      if let p = n.nativeType.properties[name] { return try p.get(n) }
      if let f = n.nativeType.methods[name] { return .boundMethod(BoundMethod(receiver: object, method: .builtin(f))) }
      throw EvoError(
        .attribute, "\(n.nativeType.name) has no member '\(name)'",
        hint: suggestion(for: name, among: n.nativeType.memberNames))
    case .klass(let k):
      if let m = k.findMethod(name) { return .closure(m) }
      throw EvoError(
        .attribute, "class \(k.name) has no method '\(name)'", hint: suggestion(for: name, among: k.allMethodNames))
    default:
      if let f = Builtins.method(of: object, named: name) {
        return .boundMethod(BoundMethod(receiver: object, method: .builtin(f)))
      }
      throw EvoError(
        .attribute, "\(object.typeName) has no member '\(name)'",
        hint: suggestion(for: name, among: Builtins.methodNames(of: object)))
    }
  }

  /// `object.name = value`.
  func setMember(_ object: Value, _ name: String, _ value: Value) throws {
    switch object {
    case .instance(let i): i.set(name, value)
    case .native(let n):
      guard let p = n.nativeType.properties[name] else {
        throw EvoError(
          .attribute, "\(n.nativeType.name) has no member '\(name)'",
          hint: suggestion(for: name, among: n.nativeType.memberNames))
      }
      guard let set = p.set else { throw EvoError(.attribute, "\(n.nativeType.name).\(name) is read-only") }
      try set(n, value)
    case .module(let m): m.set(name, value)
    default: throw EvoError(.attribute, "cannot set members on a \(object.typeName)")
    }
  }

  // MARK: - Indexing

  /// Resolves an index for a sequence of `count` items (negative from the end).
  func position(_ index: Value, count: Int, what: String) throws -> Int {
    guard case .number(let n) = index else {
      throw EvoError(.type, "\(what) indices must be numbers, not \(index.typeName)")
    }
    guard n == n.rounded() else { throw EvoError(.type, "\(what) indices must be integers, got \(formatNumber(n))") }
    let i = Checked.int(n).map { $0 < 0 ? $0 + count : $0 } ?? -1
    guard i >= 0 && i < count else {
      throw EvoError(.index, "\(what) index \(formatNumber(n)) is out of range for length \(count)")
    }
    return i
  }

  /// The positions a slice selects from `count` items (Python semantics).
  func slicePositions(_ start: Value, _ end: Value, _ step: Value, count: Int) throws -> [Int] {
    func int(_ v: Value) throws -> Int? {
      switch v {
      case .null: return nil
      case .number(let n) where Checked.int(n) != nil: return Checked.int(n)
      default: throw EvoError(.type, "slice bounds must be integers or nil, not \(v.typeName)")
      }
    }
    let st = try int(step) ?? 1
    guard st != 0 else { throw EvoError(.value, "slice step cannot be zero") }
    func clamp(_ i: Int, _ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + count : i, lo), hi) }
    var out: [Int] = []
    if st > 0 {
      var i = try int(start).map { clamp($0, 0, count) } ?? 0
      let e = try int(end).map { clamp($0, 0, count) } ?? count
      while i < e {
        out.append(i)
        i += st
      }
    } else {
      var i = try int(start).map { clamp($0, -1, count - 1) } ?? count - 1
      let e = try int(end).map { clamp($0, -1, count - 1) } ?? -1
      while i > e {
        out.append(i)
        i += st
      }
    }
    return out
  }

  func getIndex(_ object: Value, _ items: [IndexItem]) throws -> Value {
    if case .native(let n) = object {
      guard let f = n.nativeType.getIndex else { throw EvoError(.type, "\(n.nativeType.name) cannot be indexed") }
      return try f(n, items)
    }
    if case .instance(let i) = object, let m = i.klass.findMethod("get") {
      return try callClosure(m, receiver: object, items.map(indexValue), [])
    }
    guard items.count == 1 else { throw EvoError(.type, "\(object.typeName) takes one index, got \(items.count)") }
    let item = items[0]
    switch (object, item) {
    case (.list(let l), .value(let i)): return l.items[try position(i, count: l.items.count, what: "list")]
    case (.list(let l), .slice(let a, let b, let c)):
      return .list(ListObject(try slicePositions(a, b, c, count: l.items.count).map { l.items[$0] }))
    case (.string(let s), .value(let i)):
      let chars = Array(s)
      return .string(String(chars[try position(i, count: chars.count, what: "string")]))
    case (.string(let s), .slice(let a, let b, let c)):
      let chars = Array(s)
      return .string(String(try slicePositions(a, b, c, count: chars.count).map { chars[$0] }))
    case (.dict(let d), .value(let k)):
      guard let key = DictKey(k) else { throw EvoError(.type, "\(k.typeName) cannot be a dictionary key") }
      guard let v = d[key] else { throw EvoError(.key, "key \(k.repr) is not in the dictionary") }
      return v
    case (.range(let r), .value(let i)): return .number(r.element(try position(i, count: r.count, what: "range")))
    default:
      throw EvoError(.type, "\(object.typeName) cannot be indexed like this")
    }
  }

  func setIndex(_ object: Value, _ items: [IndexItem], _ value: Value) throws {
    if case .native(let n) = object {
      guard let f = n.nativeType.setIndex else {
        throw EvoError(.type, "\(n.nativeType.name) does not support item assignment")
      }
      return try f(n, items, value)
    }
    if case .instance(let i) = object, let m = i.klass.findMethod("set") {
      _ = try callClosure(m, receiver: object, items.map(indexValue) + [value], [])
      return
    }
    guard items.count == 1 else { throw EvoError(.type, "\(object.typeName) takes one index, got \(items.count)") }
    switch (object, items[0]) {
    case (.list(let l), .value(let i)): l.items[try position(i, count: l.items.count, what: "list")] = value
    case (.dict(let d), .value(let k)):
      guard let key = DictKey(k) else { throw EvoError(.type, "\(k.typeName) cannot be a dictionary key") }
      d[key] = value
    default:
      throw EvoError(.type, "\(object.typeName) does not support item assignment")
    }
  }

  private func indexValue(_ item: IndexItem) -> Value {
    switch item {
    case .value(let v): return v
    case .slice(let a, let b, let c): return .list(ListObject([a, b, c]))
    case .ellipsis: return .string("...")
    }
  }
}
