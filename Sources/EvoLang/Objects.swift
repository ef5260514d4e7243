/// The hashable part of a value usable as a dictionary key.
public enum DictKey: Hashable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)

  /// The key for a value, or nil when the value cannot be a key.
  public init?(_ value: Value) {
    switch value {
    case .null: self = .null
    case .bool(let b): self = .bool(b)
    case .number(let n): self = .number(n == 0 ? 0 : n)  // -0 and 0 are one key
    case .string(let s): self = .string(s)
    default: return nil
    }
  }

  public var value: Value {
    switch self {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .number(let n): return .number(n)
    case .string(let s): return .string(s)
    }
  }
}

/// An insertion-ordered dictionary.
public final class DictObject {
  public private(set) var keys: [DictKey] = []
  public private(set) var values: [Value] = []
  private var index: [DictKey: Int] = [:]

  public init() {}

  public var count: Int { keys.count }

  public subscript(key: DictKey) -> Value? {
    get { index[key].map { values[$0] } }
    set {
      if let newValue {
        if let i = index[key] { values[i] = newValue } else {
          index[key] = keys.count
          keys.append(key)
          values.append(newValue)
        }
      } else if let i = index.removeValue(forKey: key) {
        keys.remove(at: i)
        values.remove(at: i)
        for j in i..<keys.count { index[keys[j]] = j }
      }
    }
  }
}

/// A compiled function: parameters, frame layout and body. Shared by every closure made from it.
public final class FunctionProto {
  public let name: String
  let parameterNames: [String]
  /// Default value expressions by parameter (nil where none), evaluated in the caller's context at call time.
  let defaults: [ExprNode?]
  let variadic: Bool
  /// Slots: 0 holds the closure, then `self` for methods, then parameters, then locals.
  var frameSize = 1
  /// Parameter slots that closures capture, boxed into cells on entry.
  var boxedSlots: [Int] = [] { didSet { hasBoxedSlots = !boxedSlots.isEmpty } }
  private(set) var hasBoxedSlots = false
  var body = Block([]) { didSet { runnableBody = Unmanaged.passUnretained(body) } }
  /// `body` without a retain per call (`body` keeps it alive).
  private(set) var runnableBody: Unmanaged<Block>
  /// For methods: `self` occupies slot 1 and parameters follow.
  let isMethod: Bool
  public let doc: String?
  let span: SourceSpan
  /// How to build each captured cell when the closure is created.
  var captures: [CaptureSource] = [] { didSet { needsClosureSlot = isMethod || !captures.isEmpty } }
  /// Whether the body reads its closure from slot 0 (captured variables, `super`); otherwise the
  /// slot stays nil and a call skips storing it (the caller holds the closure alive anyway).
  private(set) var needsClosureSlot: Bool

  /// How many parameters there are (for the call fast path, without touching the names array).
  let parameterCount: Int

  init(name: String, parameterNames: [String], defaults: [ExprNode?], variadic: Bool, isMethod: Bool, doc: String?, span: SourceSpan) {
    parameterCount = parameterNames.count
    needsClosureSlot = isMethod
    runnableBody = Unmanaged.passUnretained(body)
    self.name = name
    self.parameterNames = parameterNames
    self.defaults = defaults
    self.variadic = variadic
    self.isMethod = isMethod
    self.doc = doc
    self.span = span
  }

  /// First parameter slot.
  var firstParameterSlot: Int { isMethod ? 2 : 1 }

  /// `name(a, b = …, ...rest)`.
  public var signature: String {
    let params = parameterNames.enumerated().map { i, n in
      variadic && i == parameterNames.count - 1 ? "...\(n)" : (defaults[i] != nil ? "\(n) = …" : n)
    }
    return "\(name)(\(params.joined(separator: ", ")))"
  }
}

/// Where a closure finds a captured variable when it is created.
enum CaptureSource {
  /// A cell in the creating frame's slot.
  case local(Int)
  /// One of the creating closure's own captures.
  case upvalue(Int)
}

/// A function value: its code and the cells it captured.
public final class Closure {
  let proto: FunctionProto
  let captures: [Cell]
  /// The class a method was defined in (for `super`).
  weak var definingClass: ClassObject?

  init(proto: FunctionProto, captures: [Cell]) {
    self.proto = proto
    self.captures = captures
  }

  public var name: String { proto.name }
}

/// A method bound to its receiver (`obj.method` used as a value).
public final class BoundMethod {
  public let receiver: Value
  public let method: Value
  init(receiver: Value, method: Value) {
    self.receiver = receiver
    self.method = method
  }
}

/// An Evo class: methods, field initialisers and an optional superclass.
public final class ClassObject {
  public let name: String
  public let superclass: ClassObject?
  var methods: [String: Closure] = [:]
  /// Field initialisers (zero-argument closures) run, base class first, before `init`.
  var fieldInitializers: [(String, Closure)] = []
  public let doc: String?

  init(name: String, superclass: ClassObject?, doc: String?) {
    self.name = name
    self.superclass = superclass
    self.doc = doc
  }

  /// The method named `name` here or in a superclass.
  func findMethod(_ name: String) -> Closure? {
    var c: ClassObject? = self
    while let k = c {
      if let m = k.methods[name] { return m }
      c = k.superclass
    }
    return nil
  }

  /// Every method name visible on instances (for completion).
  var allMethodNames: [String] {
    var names = Set<String>()
    var c: ClassObject? = self
    while let k = c { names.formUnion(k.methods.keys); c = k.superclass }
    return names.sorted()
  }

  /// Whether this class is `other` or inherits from it.
  func isSubclass(of other: ClassObject) -> Bool {
    var c: ClassObject? = self
    while let k = c { if k === other { return true }; c = k.superclass }
    return false
  }
}

/// An instance of an Evo class. Fields are a short list scanned linearly: for the handful of fields a
/// layer has, comparing small strings is cheaper than hashing them.
public final class Instance {
  public let klass: ClassObject
  /// Field names in the order they were first set, and their values.
  public private(set) var fieldNames: [String] = []
  private var fieldValues: [Value] = []

  init(klass: ClassObject) { self.klass = klass }

  /// The value of a field, if set.
  @inline(__always)
  public func field(_ name: String) -> Value? {
    for i in fieldNames.indices where fieldNames[i] == name { return fieldValues[i] }
    return nil
  }

  func set(_ name: String, _ value: Value) {
    for i in fieldNames.indices where fieldNames[i] == name {
      fieldValues[i] = value
      return
    }
    fieldNames.append(name)
    fieldValues.append(value)
  }
}
