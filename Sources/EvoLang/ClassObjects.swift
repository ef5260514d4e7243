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
