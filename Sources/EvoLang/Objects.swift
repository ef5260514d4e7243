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
        if let i = index[key] {
          values[i] = newValue
        } else {
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
  /// The statements, except a final `return expr`, whose expression is `result`: the call evaluates it
  /// and returns its value directly, without the `return` machinery.
  private(set) var body = Block([])
  private(set) var result: ExprNode?
  /// `body` and `result` without a retain per call (the properties above keep them alive).
  private(set) var runnableBody: Unmanaged<Block>
  private(set) var runnableResult: Unmanaged<ExprNode>?

  /// Sets the compiled statements of the body.
  func setBody(_ statements: [StmtNode]) {
    if let last = statements.last as? ReturnStmt {
      body = Block(Array(statements.dropLast()))
      result = last.value
    } else {
      body = Block(statements)
      result = nil
    }
    runnableBody = Unmanaged.passUnretained(body)
    runnableResult = result.map { Unmanaged.passUnretained($0) }
  }
  /// For methods: `self` occupies slot 1 and parameters follow.
  let isMethod: Bool
  public let doc: String?
  let span: SourceSpan
  /// How to build each captured cell when the closure is created.
  var captures: [CaptureSource] = [] { didSet { needsClosureSlot = usesSuper || !captures.isEmpty } }
  /// Whether the body uses `super` (which reads the method's class from its closure).
  var usesSuper = false { didSet { needsClosureSlot = usesSuper || !captures.isEmpty } }
  /// Whether the body reads its closure from slot 0 (captured variables, `super`); otherwise the
  /// slot stays nil and a call skips storing it (the caller holds the closure alive anyway).
  private(set) var needsClosureSlot: Bool

  /// How many parameters there are (for the call fast path, without touching the names array).
  let parameterCount: Int

  init(
    name: String, parameterNames: [String], defaults: [ExprNode?], variadic: Bool, isMethod: Bool, doc: String?,
    span: SourceSpan
  ) {
    parameterCount = parameterNames.count
    needsClosureSlot = false
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

  /// The defaults as written in the source (nil for parameters without one).
  var defaultTexts: [String?] = []

  /// `name(a, b = 1, ...rest)`, defaults as written.
  public var signature: String {
    let params = parameterNames.enumerated().map { i, n in
      if variadic && i == parameterNames.count - 1 { return "...\(n)" }
      guard defaults[i] != nil else { return n }
      return "\(n) = " + ((i < defaultTexts.count ? defaultTexts[i] : nil) ?? "…")
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
  /// For a method: the name of the class it was defined in and that class's superclass (for `super`).
  /// Not the defining class itself: the class holds its methods, so that would be a cycle (and a weak
  /// reference would put every retain of the class on the slow side-table path).
  var definingClassName: String?
  var superclass: ClassObject?

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

  /// Where its instances keep their fields.
  let layout = FieldLayout()

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
    while let k = c {
      names.formUnion(k.methods.keys)
      c = k.superclass
    }
    return names.sorted()
  }

  /// Whether this class is `other` or inherits from it.
  func isSubclass(of other: ClassObject) -> Bool {
    var c: ClassObject? = self
    while let k = c {
      if k === other { return true }
      c = k.superclass
    }
    return false
  }
}

/// An instance of an Evo class. Its fields live in slots laid out by the class (`FieldLayout`), shared
/// by all its instances, so a call site can cache a field's slot per class and skip the name lookup.
public final class Instance {
  public let klass: ClassObject
  /// Field values by slot, `.undefined` where this instance has not set the field: a buffer the
  /// instance owns (an array property would check its uniqueness on every store).
  private var slots: UnsafeMutablePointer<Value>
  private var slotCount = 0

  init(klass: ClassObject) {
    self.klass = klass
    slots = .allocate(capacity: 0)
  }

  deinit {
    slots.deinitialize(count: slotCount)
    slots.deallocate()
  }

  /// Names of the fields this instance has set, in slot order.
  public var fieldNames: [String] {
    klass.layout.names.indices.filter { field(at: $0) != nil }.map { klass.layout.names[$0] }
  }

  /// The value of a field, if set.
  public func field(_ name: String) -> Value? {
    guard let slot = klass.layout.slot(of: name) else { return nil }
    return field(at: slot)
  }

  /// The value in a field slot, if set.
  @inline(__always)
  func field(at slot: Int) -> Value? {
    guard slot < slotCount else { return nil }
    if case .undefined = slots[slot] { return nil }
    return slots[slot]
  }

  func set(_ name: String, _ value: Value) { set(at: klass.layout.slot(declaring: name), value) }

  /// `field op y` stored in place when the field holds a number and `op` has a number fast path;
  /// false (nothing changed) otherwise.
  @inline(__always)
  func updateNumber(at slot: Int, _ op: BinaryOp, _ y: Double) -> Bool {
    guard slot < slotCount, case .number(let x) = slots[slot], let r = numberOperation(op, x, y) else { return false }
    (slots + slot).initialize(to: r)  // the old value is a number: nothing to release
    return true
  }

  /// Sets a field slot (of this instance's class layout).
  @inline(__always)
  func set(at slot: Int, _ value: Value) {
    if slot >= slotCount { grow(to: slot + 1) }
    slots[slot] = value
  }

  /// Makes room for `count` slots, the new ones undefined.
  private func grow(to count: Int) {
    let bigger = UnsafeMutablePointer<Value>.allocate(capacity: count)
    bigger.moveInitialize(from: slots, count: slotCount)
    (bigger + slotCount).initialize(repeating: .undefined, count: count - slotCount)
    slots.deallocate()
    slots = bigger
    slotCount = count
  }
}

/// A member site's cache of one field's slot in the class last seen (and how many fields that class's
/// layout had then: a layout that grew may have gained the field).
struct FieldSlotCache {
  private var klass: ClassObject?
  private var layoutSize = 0
  private var slot = -1

  /// The slot of `name` in `k`'s layout, if the layout has it.
  @inline(__always)
  mutating func slot(of name: String, in k: ClassObject) -> Int? {
    // A slot once found never moves; only a miss must watch for the layout growing.
    if k === klass && slot >= 0 { return slot }
    if k !== klass || k.layout.names.count != layoutSize {
      klass = k
      layoutSize = k.layout.names.count
      slot = k.layout.slot(of: name) ?? -1
    }
    return slot >= 0 ? slot : nil
  }

  /// The slot of `name` in `k`'s layout, declaring it when new.
  @inline(__always)
  mutating func slot(declaring name: String, in k: ClassObject) -> Int {
    if let s = slot(of: name, in: k) { return s }
    let s = k.layout.slot(declaring: name)
    layoutSize = k.layout.names.count
    slot = s
    return s
  }
}

/// The field slots of a class's instances: each field name gets the next slot the first time any
/// instance sets it.
final class FieldLayout {
  private(set) var names: [String] = []
  private var index: [String: Int] = [:]

  func slot(of name: String) -> Int? { index[name] }

  func slot(declaring name: String) -> Int {
    if let i = index[name] { return i }
    index[name] = names.count
    names.append(name)
    return names.count - 1
  }
}
