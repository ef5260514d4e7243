import EvoLimits

/// A parameter of a native function: its name (the keyword label), an optional default, and whether it
/// collects the remaining positional arguments into a list.
public struct NativeParameter: Sendable {
  public let name: String
  public let defaultValue: DefaultValue?
  public let variadic: Bool
  /// Other keyword labels accepted for this parameter (`axis:` for `axes:`); signatures show `name`.
  public let aliases: [String]

  public init(
    _ name: String, default defaultValue: DefaultValue? = nil, variadic: Bool = false, aliases: [String] = []
  ) {
    self.name = name
    self.defaultValue = defaultValue
    self.variadic = variadic
    self.aliases = aliases
  }

  /// Whether `label:` names this parameter.
  func isNamed(_ label: String) -> Bool { name == label || aliases.contains(label) }
}

/// A default for a native parameter (values of a sendable kind, so signatures can be static data).
public enum DefaultValue: Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)

  var value: Value {
    switch self {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .number(let n): return .number(n)
    case .string(let s): return .string(s)
    }
  }

  var text: String {
    switch self {
    case .null: return "nil"
    case .bool(let b): return String(b)
    case .number(let n): return formatNumber(n)
    case .string(let s): return "\"\(s)\""
    }
  }
}

/// The bound arguments of a native call, in parameter order, with typed accessors that raise
/// `TypeError`s naming the function and the parameter.
///
/// The values are not copied into an array: they stay where the caller evaluated them (the
/// interpreter's value stack, or an array the caller keeps alive), valid for the duration of the call.
public struct Arguments {
  private unowned(unsafe) let callee: NativeFunction
  private let base: UnsafePointer<Value>
  /// How many values there are (the function's parameter count).
  public let count: Int
  public unowned(unsafe) let interpreter: Interpreter

  init(_ callee: NativeFunction, _ base: UnsafePointer<Value>, count: Int, interpreter: Interpreter) {
    self.callee = callee
    self.base = base
    self.count = count
    self.interpreter = interpreter
  }

  /// The function's name (for messages).
  public var function: String { callee.name }
  /// The parameter names, in order.
  public var names: [String] { callee.parameterNames }
  /// The values, in parameter order, copied into an array.
  public var values: [Value] { Array(UnsafeBufferPointer(start: base, count: count)) }

  public subscript(_ i: Int) -> Value { base[i] }

  /// The bounds of a `range(end)` / `range(start, end)` style call from arguments 0 and 1: a nil second
  /// argument makes the first one the end, starting at 0.
  public func startAndEnd() throws -> (start: Double, end: Double) {
    if case .null = base[1] { return (0, try number(0)) }
    return (try number(0), try number(1))
  }

  private func typeError(_ i: Int, _ expected: String) -> EvoError {
    EvoError(.type, "\(function)() argument '\(names[i])' must be \(expected), not \(base[i].typeName)")
  }

  /// The argument as a number.
  public func number(_ i: Int) throws -> Double {
    guard case .number(let n) = base[i] else { throw typeError(i, "a number") }
    return n
  }

  /// The argument as an integer (a number with no fractional part).
  public func int(_ i: Int) throws -> Int {
    guard case .number(let n) = base[i] else { throw typeError(i, "an integer") }
    guard let value = Checked.int(n) else {
      throw EvoError(.value, "\(function)() argument '\(names[i])' must be an integer, got \(formatNumber(n))")
    }
    return value
  }

  /// The argument as an integer, or nil when it is nil.
  public func optionalInt(_ i: Int) throws -> Int? {
    if case .null = base[i] { return nil }
    return try int(i)
  }

  public func string(_ i: Int) throws -> String {
    guard case .string(let s) = base[i] else { throw typeError(i, "a string") }
    return s
  }

  public func bool(_ i: Int) throws -> Bool {
    guard case .bool(let b) = base[i] else { throw typeError(i, "a bool") }
    return b
  }

  public func list(_ i: Int) throws -> ListObject {
    guard case .list(let l) = base[i] else { throw typeError(i, "a list") }
    return l
  }

  /// A native object of type `T`.
  public func native<T: NativeObject>(_ i: Int, as type: T.Type, expected: String) throws -> T {
    guard case .native(let n) = base[i], let t = n as? T else { throw typeError(i, expected) }
    return t
  }
}

/// A function implemented in Swift, callable from Evo with positional and keyword arguments.
public final class NativeFunction: @unchecked Sendable {
  public let name: String
  public let parameters: [NativeParameter]
  public let doc: String
  /// The name of the native type every call returns, when there is one (completion after a call
  /// offers that type's members without running the call).
  public var returns: String?
  let body: (Arguments) throws -> Value
  let parameterNames: [String]
  let hasVariadic: Bool

  public init(
    _ name: String, _ parameters: [NativeParameter] = [], doc: String = "", body: @escaping (Arguments) throws -> Value
  ) {
    self.name = name
    self.parameters = parameters
    self.doc = doc
    self.body = body
    parameterNames = parameters.map(\.name)
    hasVariadic = parameters.contains { $0.variadic }
    requiredCount = (parameters.lastIndex { $0.defaultValue == nil }).map { $0 + 1 } ?? 0
  }

  /// How many leading parameters a positional call must give (the later ones all have defaults).
  let requiredCount: Int

  /// Whether `count` positional arguments bind plainly: no variadic parameter, none missing, none extra.
  @inline(__always)
  func acceptsPositional(_ count: Int) -> Bool { !hasVariadic && count >= requiredCount && count <= parameters.count }

  /// `name(a, b = 1, ...rest)`; a method's receiver (`self`) is not shown.
  public var signature: String {
    "\(name)("
      + parameters.drop { $0.name == "self" }.map { p in
        p.variadic ? "...\(p.name)" : p.defaultValue.map { "\(p.name) = \($0.text)" } ?? p.name
      }.joined(separator: ", ") + ")"
  }
}

/// One item of an index expression as native objects receive it: `t[0, 1:3, ...]`.
public enum IndexItem {
  case value(Value)
  case slice(start: Value, end: Value, step: Value)
  case ellipsis
}

/// A host-defined type: its methods and properties (for member access, `help` and completion),
/// operators, indexing and printing. Native objects point to their type.
/// Configure a type once, before Evo code uses it; afterwards it is only read (hence `@unchecked Sendable`).
public final class NativeType: @unchecked Sendable {
  public let name: String
  public let doc: String
  /// Methods, called with the receiver as the first argument value.
  public var methods: [String: NativeFunction] = [:]
  /// What a property means, for `help` (`"hash": "..."`).
  public var propertyDocs: [String: String] = [:]
  /// Read-only or read-write properties.
  public var properties:
    [String: (get: (any NativeObject) throws -> Value, set: ((any NativeObject, Value) throws -> Void)?)] = [:]
  /// `a op b` where a or b is of this type (`reversed` when the object is on the right); nil if unsupported.
  public var binaryOperator: ((String, Value, Value) throws -> Value?)?
  /// `-a`; nil if unsupported.
  public var unaryOperator: ((String, any NativeObject) throws -> Value?)?
  public var getIndex: ((any NativeObject, [IndexItem]) throws -> Value)?
  public var setIndex: ((any NativeObject, [IndexItem], Value) throws -> Void)?
  /// Makes objects of this type callable: `obj(args)` calls this with the object as first argument.
  public var call: NativeFunction?
  public var truthiness: ((any NativeObject) -> Bool)?
  /// Iteration as a list of values (`for x in obj`).
  public var iterate: ((any NativeObject) throws -> [Value])?
  public var length: ((any NativeObject) throws -> Int)?
  /// The text shown by `print` and the REPL.
  public var describe: (any NativeObject) -> String

  public init(name: String, doc: String = "", describe: @escaping (any NativeObject) -> String) {
    self.name = name
    self.doc = doc
    self.describe = describe
  }

  /// Registers a method; `body` receives the receiver as argument 0 followed by the declared parameters.
  public func method(
    _ name: String, _ parameters: [NativeParameter] = [], doc: String = "", body: @escaping (Arguments) throws -> Value
  ) {
    methods[name] = NativeFunction(name, [NativeParameter("self")] + parameters, doc: doc, body: body)
  }

  /// Every member name (for completion).
  public var memberNames: [String] { (Array(methods.keys) + Array(properties.keys)).sorted() }
}

/// An object owned by the host (a tensor, a graph, a plot), described by its `NativeType`.
public protocol NativeObject: AnyObject {
  var nativeType: NativeType { get }
}
