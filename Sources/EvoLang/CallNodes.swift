/// A compiled call argument.
struct ArgumentNode {
  let label: String?
  let value: ExprNode
  let spread: Bool
}

extension [ArgumentNode] {
  /// Positional only: no `label:` and no `...spread`.
  var arePlain: Bool { allSatisfy { $0.label == nil && !$0.spread } }
}

extension FunctionProto {
  /// Whether `count` plain positional arguments can be bound straight into a frame (`callDirect`).
  @inline(__always)
  func acceptsDirect(_ count: Int) -> Bool { !variadic && count <= parameterCount }
}

/// Evaluates arguments into positional values and keyword pairs (spreading `...list`).
@inline(__always)
func evaluateArguments(_ args: [ArgumentNode], _ f: Frame, _ vm: Interpreter) throws -> ([Value], [(String, Value)]) {
  var positional: [Value] = []
  positional.reserveCapacity(args.count)
  var keywords: [(String, Value)] = []
  for a in args {
    let v = try a.value.eval(f, vm)
    if let label = a.label {
      keywords.append((label, v))
    } else if a.spread {
      positional.append(contentsOf: try located(a.value.span) { try vm.iterate(v) })
    } else {
      positional.append(v)
    }
  }
  return (positional, keywords)
}

/// Adds this call site to an error's traceback; host errors get the call site as their location.
/// The error handling itself is out of line, so the many inlined call sites stay small.
@inline(__always)
func traced<T>(_ span: SourceSpan, in function: String, _ body: () throws -> T) throws -> T {
  do { return try body() } catch { throw tracedError(error, span, function) }
}

@inline(never)
func tracedError(_ error: any Error, _ span: SourceSpan, _ function: String) -> EvoError {
  var e = EvoError(host: error, span: span)
  if e.kind != .interrupted { e.trace.append(TraceFrame(function: function, span: span)) }
  return e
}

/// `callee(args)`. Plain positional calls of closures (at most three arguments) bind their arguments
/// straight into the new frame, with no argument array.
final class CallNode: ExprNode {
  let callee: ExprNode
  let args: [ArgumentNode]
  /// Plain positional arguments, at most three: then the first `args.count` of `a0...a2` hold them.
  let direct: Bool
  let a0: ExprNode, a1: ExprNode, a2: ExprNode
  /// The function containing this call (for tracebacks).
  let enclosing: String

  /// The argument expressions when they are plain positional ones (for native callees).
  let plain: ExprList?
  /// The callee's cell when it is a global (else an unused empty cell).
  let calleeIsGlobal: Bool
  let calleeCell: GlobalCell

  init(callee: ExprNode, args: [ArgumentNode], enclosing: String, span: SourceSpan) {
    self.callee = callee
    self.args = args
    self.enclosing = enclosing
    let global = callee as? GlobalGet
    calleeIsGlobal = global != nil
    calleeCell = global?.cell ?? GlobalCell(name: "")
    plain = args.arePlain ? ExprList(args.map(\.value)) : nil
    direct = args.arePlain && args.count <= 3
    // Unused operands are a placeholder: non-optional fields are read without a retain.
    let none = ConstNode(.null, span: span)
    a0 = args.count > 0 ? args[0].value : none
    a1 = args.count > 1 ? args[1].value : none
    a2 = args.count > 2 ? args[2].value : none
    super.init(span: span)
  }

  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    // A global callee (the usual case) is borrowed from its cell, without a copy or a retain: once the
    // frame is set up (holding the closure itself if the body reads it), the call uses only the
    // closure's proto, which the interpreter keeps alive for good (`compiledFunctions`).
    if direct, calleeIsGlobal, let closure = calleeCell.value.unretainedClosure,
      closure._withUnsafeGuaranteedRef({ !$0.proto.isMethod && $0.proto.acceptsDirect(args.count) })
    {
      return try closure._withUnsafeGuaranteedRef { c in try callDirect(c, f, vm) }
    }
    var target = calleeCell.value
    if !calleeIsGlobal || target.isUndefined { target = try callee.eval(f, vm) }
    if direct, let closure = target.unretainedClosure {
      return try closure._withUnsafeGuaranteedRef { c in
        guard !c.proto.isMethod, c.proto.acceptsDirect(args.count) else { return try callGeneral(target, f, vm) }
        return try callDirect(c, f, vm)
      }
    }
    if let plain, case .builtin(let fn) = target, fn.acceptsPositional(plain.count) {
      return try vm.callNativeOnStack(fn, count: plain.count, span: span, in: enclosing) { slots in
        try plain.evaluate(into: slots, f, vm)
      }
    }
    return try callGeneral(target, f, vm)
  }

  /// A closure that accepts these plain positional arguments: the frame is reserved first and the
  /// arguments evaluated straight into it (calls they make push their frames above it).
  /// Written out here, with the arguments unrolled, rather than shared with the method path through a
  /// closure-taking helper and an `ExprList` loop: that cost fib(25) 353 -> ~400 instructions a call.
  @inline(__always)
  private func callDirect(_ c: Closure, _ f: Frame, _ vm: Interpreter) throws -> Value {
    let proto = c.proto
    let frame = try traced(span, in: enclosing) { try vm.pushFrame(c) }
    let count = args.count
    let result: Value
    do {
      if count > 0 { (frame + 1).initialize(to: try a0.eval(f, vm)) }
      if count > 1 { (frame + 2).initialize(to: try a1.eval(f, vm)) }
      if count > 2 { (frame + 3).initialize(to: try a2.eval(f, vm)) }
      result = try traced(span, in: enclosing) {
        if count < proto.parameterCount { try vm.fillDefaults(proto, frame, from: count) }
        return try vm.runBody(proto, frame)
      }
    } catch {
      vm.popFrame(frame, size: proto.frameSize)
      throw error
    }
    // Popped here rather than in a `defer`, which the compiler outlines into a call.
    vm.popFrame(frame, size: proto.frameSize)
    return result
  }

  private func callGeneral(_ target: Value, _ f: Frame, _ vm: Interpreter) throws -> Value {
    let (positional, keywords) = try evaluateArguments(args, f, vm)
    return try traced(span, in: enclosing) { try vm.call(target, positional, keywords, span: span) }
  }
}

/// `object.method(args)` without building a bound method for Evo instances.
final class MethodCallNode: ExprNode {
  let object: ExprNode
  let name: String
  let args: [ArgumentNode]
  let enclosing: String
  /// Inline cache: the class last seen at this call site and its method.
  private var cachedClass: ClassObject?
  private var cachedMethod: Closure?
  /// Inline cache for builtin receivers: the kind last seen (1 list, 2 string, 3 dict) and its method.
  private var cachedBuiltinKind: UInt8 = 0
  private var cachedBuiltin: NativeFunction?

  /// The argument expressions when they are plain positional ones.
  private let plain: ExprList?
  /// `x.append(item)`: specialised when `x` is a list.
  private let appendsOne: Bool
  private var fieldCache = FieldSlotCache()
  /// Inline cache for native receivers: the type last seen and its method.
  private var cachedType: NativeType?
  private var cachedNativeMethod: NativeFunction?

  init(object: ExprNode, name: String, args: [ArgumentNode], enclosing: String, span: SourceSpan) {
    self.object = object
    self.name = name
    self.args = args
    self.enclosing = enclosing
    let simple = args.arePlain
    plain = simple ? ExprList(args.map(\.value)) : nil
    appendsOne = name == "append" && simple && args.count == 1
    super.init(span: span)
  }

  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    var receiver = try object.eval(f, vm)
    if let instance = receiver.unretainedInstance,
      let method = instance._withUnsafeGuaranteedRef({ i in hasField(i) ? nil : method(of: i.klass) })
    {
      return try method._withUnsafeGuaranteedRef { m in
        let proto = m.proto
        if let plain, proto.acceptsDirect(plain.count) {
          // As for plain calls: the frame first, then the receiver and the arguments straight into it.
          let frame = try traced(span, in: enclosing) { try vm.pushFrame(m) }
          defer { vm.popFrame(frame, size: proto.frameSize) }
          // The receiver moves into the frame (a swap with the nil there): no retain, no release.
          swap(&receiver, &frame[1])
          try plain.evaluate(into: frame + 2, f, vm)
          return try traced(span, in: enclosing) {
            if plain.count < proto.parameterCount { try vm.fillDefaults(proto, frame, from: plain.count) }
            return try vm.runBody(proto, frame)
          }
        }
        let (positional, keywords) = try evaluateArguments(args, f, vm)
        return try traced(span, in: enclosing) { try vm.callClosure(m, receiver: receiver, positional, keywords) }
      }
    }
    if appendsOne, case .list(let l) = receiver {
      // `list.append(x)`, the commonest method call of all, specialised (as CPython 3.11 does).
      l.items.append(try plain?.nodes[0].eval(f, vm) ?? .null)
      return .null
    }
    if let m = builtinMethod(of: receiver) ?? nativeMethod(of: receiver) {
      if let plain, m.acceptsPositional(plain.count + 1) {
        // The receiver and the arguments go into value-stack slots: no array per call.
        return try vm.callNativeOnStack(m, count: plain.count + 1, span: span, in: enclosing) { slots in
          slots.initialize(to: receiver)
          try plain.evaluate(into: slots + 1, f, vm)
        }
      }
      let (positional, keywords) = try evaluateArguments(args, f, vm)
      return try traced(span, in: enclosing) { try vm.callNative(m, [receiver] + positional, keywords) }
    }
    let member = try located(span) { try vm.getMember(receiver, name) }
    let (positional, keywords) = try evaluateArguments(args, f, vm)
    return try traced(span, in: enclosing) { try vm.call(member, positional, keywords, span: span) }
  }

  /// The builtin method of a list, string or dict receiver, looked up once per receiver kind.
  @inline(__always)
  private func builtinMethod(of receiver: Value) -> NativeFunction? {
    let kind: UInt8
    switch receiver {
    case .list: kind = 1
    case .string: kind = 2
    case .dict: kind = 3
    default: return nil
    }
    if kind == cachedBuiltinKind { return cachedBuiltin }
    cachedBuiltinKind = kind
    cachedBuiltin = Builtins.method(of: receiver, named: name)
    return cachedBuiltin
  }

  /// The method of a native receiver, looked up once per receiver type.
  @inline(__always)
  private func nativeMethod(of receiver: Value) -> NativeFunction? {
    guard case .native(let n) = receiver else { return nil }
    let type = n.nativeType
    if type === cachedType { return cachedNativeMethod }
    cachedType = type
    cachedNativeMethod = type.methods[name]
    return cachedNativeMethod
  }

  /// Whether the instance has a field named like the method (a field shadows a method).
  @inline(__always)
  private func hasField(_ i: Instance) -> Bool {
    guard let slot = fieldCache.slot(of: name, in: i.klass) else { return false }
    return i.field(at: slot) != nil
  }

  /// The method of an instance's class, cached per class; unretained (the cache holds it).
  @inline(__always)
  private func method(of klass: ClassObject) -> Unmanaged<Closure>? {
    if klass !== cachedClass {
      cachedClass = klass
      cachedMethod = klass.findMethod(name)
    }
    return cachedMethod.map { Unmanaged.passUnretained($0) }
  }
}

extension Interpreter {
  /// Evaluates the defaults of parameters `from...` into the frame (an error names a missing one).
  func fillDefaults(_ proto: FunctionProto, _ frame: Frame, from count: Int) throws {
    let first = proto.firstParameterSlot
    for i in count..<proto.parameterCount {
      guard let d = proto.defaults[i] else {
        throw EvoError(.argument, "\(proto.name)() is missing the argument '\(proto.parameterNames[i])'")
      }
      frame[first + i] = try d.eval(frame, self)
    }
  }
}
