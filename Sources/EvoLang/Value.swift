/// An Evo value. Numbers, booleans and nil are stored inline; everything else is a reference.
public enum Value {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case list(ListObject)
  case dict(DictObject)
  case range(RangeObject)
  case closure(Closure)
  case builtin(NativeFunction)
  case boundMethod(BoundMethod)
  case klass(ClassObject)
  case instance(Instance)
  case native(any NativeObject)
  case module(Module)
  /// Internal: a captured variable's heap cell, stored in its frame slot. Never visible to Evo code.
  case cell(Cell)
  /// Internal: a global declared but not yet assigned. Never visible to Evo code.
  case undefined

  /// Evo truthiness: nil, false, 0, "" and empty collections are false.
  public var isTruthy: Bool {
    switch self {
    case .null, .undefined: return false
    case .bool(let b): return b
    case .number(let n): return n != 0
    case .string(let s): return !s.isEmpty
    case .list(let l): return !l.items.isEmpty
    case .dict(let d): return d.count > 0
    case .range(let r): return r.count > 0
    case .native(let n): return n.nativeType.truthiness?(n) ?? true
    default: return true
    }
  }

  /// The type name shown in messages and by `type(x)`.
  public var typeName: String {
    switch self {
    case .null, .undefined: return "nil"
    case .bool: return "bool"
    case .number: return "number"
    case .string: return "string"
    case .list: return "list"
    case .dict: return "dict"
    case .range: return "range"
    case .closure, .builtin, .boundMethod: return "function"
    case .klass: return "class"
    case .instance(let i): return i.klass.name
    case .native(let n): return n.nativeType.name
    case .module: return "module"
    case .cell: return "cell"
    }
  }

  /// Convenience for hosts: a number value from an integer.
  public static func int(_ i: Int) -> Value { .number(Double(i)) }
}

/// A mutable box holding a variable captured by a closure.
public final class Cell {
  public var value: Value
  init(_ value: Value) { self.value = value }
}

/// A mutable list.
public final class ListObject {
  public var items: [Value]
  public init(_ items: [Value]) { self.items = items }
}

/// A half-open arithmetic progression `start, start+step, ... < end` (or > end for a negative step).
public final class RangeObject {
  public let start: Double, end: Double, step: Double
  public init(start: Double, end: Double, step: Double) {
    self.start = start
    self.end = end
    self.step = step
  }
  public var count: Int {
    let n = ((end - start) / step).rounded(.up)
    return n > 0 && n.isFinite ? Int(n) : 0
  }
  public func element(_ i: Int) -> Double { start + Double(i) * step }
}

/// A module: its globals by name, in the order they were declared.
public final class Module {
  public let name: String
  /// The file the module was loaded from (nil for the REPL and `-e`).
  public let path: String?
  var globals: [Value] = []
  var globalIndex: [String: Int] = [:]
  var globalNames: [String] = []

  public init(name: String, path: String?) {
    self.name = name
    self.path = path
  }

  /// Index of a global, declaring it (as undefined) when new.
  func declare(_ name: String) -> Int {
    if let i = globalIndex[name] { return i }
    globalIndex[name] = globals.count
    globalNames.append(name)
    globals.append(.undefined)
    return globals.count - 1
  }

  /// The value of a defined global.
  public func value(of name: String) -> Value? {
    guard let i = globalIndex[name] else { return nil }
    if case .undefined = globals[i] { return nil }
    return globals[i]
  }

  /// Names of the defined globals, in declaration order.
  public var definedNames: [String] {
    globalNames.indices.filter { if case .undefined = globals[$0] { return false } else { return true } }.map { globalNames[$0] }
  }

  /// Sets (declaring if needed) a global from the host.
  public func set(_ name: String, _ value: Value) { globals[declare(name)] = value }
}
