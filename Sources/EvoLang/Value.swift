import EvoLimits

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

  /// Truthiness with the common case, a boolean, inline (conditions of `if` and `while`).
  @inline(__always) var isTrue: Bool {
    if case .bool(let b) = self { return b }
    return isTruthy
  }

  /// Whether this is the internal "not yet defined" marker.
  var isUndefined: Bool {
    if case .undefined = self { return true }
    return false
  }

  /// A closure payload without a retain: valid while this value is alive.
  @inline(__always) var unretainedClosure: Unmanaged<Closure>? {
    if case .closure(let c) = self { return Unmanaged.passUnretained(c) }
    return nil
  }

  /// An instance payload without a retain: valid while this value is alive.
  @inline(__always) var unretainedInstance: Unmanaged<Instance>? {
    if case .instance(let i) = self { return Unmanaged.passUnretained(i) }
    return nil
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
  /// Number of elements, checked at creation.
  public let count: Int
  /// A range of at most 2^53 elements; a `ValueError` for more (or a non-finite count).
  public init(start: Double, end: Double, step: Double) throws {
    guard let count = Checked.progressionCount(start: start, end: end, step: step) else {
      throw EvoError(
        .value, "range(\(formatNumber(start)), \(formatNumber(end)), \(formatNumber(step))) has too many elements")
    }
    self.start = start
    self.end = end
    self.step = step
    self.count = count
  }
  public func element(_ i: Int) -> Double { start + Double(i) * step }
}

/// A module global's storage: global reads and writes in compiled code hold the cell itself, so an
/// access is one load, with no array or dictionary in between.
final class GlobalCell {
  let name: String
  var value: Value = .undefined
  init(name: String) { self.name = name }
}

/// A module: its globals by name, in the order they were declared.
public final class Module {
  public let name: String
  /// The file the module was loaded from (nil for the REPL and `-e`).
  public let path: String?
  private(set) var cells: [GlobalCell] = []
  private var cellIndex: [String: Int] = [:]

  public init(name: String, path: String?) {
    self.name = name
    self.path = path
  }

  /// A global's cell, declaring it (as undefined) when new.
  func declare(_ name: String) -> GlobalCell {
    if let i = cellIndex[name] { return cells[i] }
    cellIndex[name] = cells.count
    let cell = GlobalCell(name: name)
    cells.append(cell)
    return cell
  }

  /// The cell of a declared global, if any.
  func cell(_ name: String) -> GlobalCell? { cellIndex[name].map { cells[$0] } }

  /// The value of a defined global.
  public func value(of name: String) -> Value? {
    guard let c = cell(name) else { return nil }
    if case .undefined = c.value { return nil }
    return c.value
  }

  /// Names of the declared globals, defined or not, in declaration order.
  var globalNames: [String] { cells.map(\.name) }

  /// Names of the defined globals, in declaration order.
  public var definedNames: [String] {
    cells.filter { if case .undefined = $0.value { return false } else { return true } }.map(\.name)
  }

  /// Sets (declaring if needed) a global from the host.
  public func set(_ name: String, _ value: Value) { declare(name).value = value }

  /// Forgets every global (the REPL's `:reset`): later code that names one is told it is not defined.
  func undefineAll() {
    cells = []
    cellIndex = [:]
  }
}
