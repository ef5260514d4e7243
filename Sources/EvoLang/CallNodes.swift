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
  func acceptsDirect(_ count: Int) -> Bool { !variadic && count <= parameterNames.count }
}

/// Evaluates arguments into positional values and keyword pairs (spreading `...list`).
@inline(__always)
func evaluateArguments(_ args: [ArgumentNode], _ f: Frame, _ vm: Interpreter) throws -> ([Value], [(String, Value)]) {
  var positional: [Value] = []
  positional.reserveCapacity(args.count)
  var keywords: [(String, Value)] = []
  for a in args {
    let v = try a.value.eval(f, vm)
    if let label = a.label { keywords.append((label, v)) } else if a.spread {
      positional.append(contentsOf: try located(a.value.span) { try vm.iterate(v) })
    } else {
      positional.append(v)
    }
  }
  return (positional, keywords)
}

/// Adds this call site to an error's traceback; host errors get the call site as their location.
@inline(__always)
func traced<T>(_ span: SourceSpan, in function: String, _ body: () throws -> T) throws -> T {
  do { return try body() } catch var e as EvoError {
    if e.span == nil { e.span = span }
    if e.kind != .interrupted { e.trace.append(TraceFrame(function: function, span: span)) }
    throw e
  } catch {
    var e = EvoError(.host, String(describing: error), span: span)
    e.trace.append(TraceFrame(function: function, span: span))
    throw e
  }
}

/// `callee(args)`. Plain positional calls of closures bind arguments straight into the new frame.
final class CallNode: ExprNode {
  let callee: ExprNode
  let args: [ArgumentNode]
  let simple: Bool
  /// The function containing this call (for tracebacks).
  let enclosing: String

  init(callee: ExprNode, args: [ArgumentNode], enclosing: String, span: SourceSpan) {
    self.callee = callee
    self.args = args
    self.enclosing = enclosing
    simple = args.arePlain
    super.init(span: span)
  }

  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let target = try callee.eval(f, vm)
    if simple, case .closure(let c) = target, !c.proto.isMethod, c.proto.acceptsDirect(args.count) {
      return try traced(span, in: enclosing) { try vm.callDirect(c, receiver: nil, args, f) }
    }
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
  let simple: Bool
  /// Inline cache: the class last seen at this call site and its method.
  private var cachedClass: ClassObject?
  private var cachedMethod: Closure?
  /// Inline cache for builtin receivers: the kind last seen (1 list, 2 string, 3 dict) and its method.
  private var cachedBuiltinKind: UInt8 = 0
  private var cachedBuiltin: NativeFunction?

  init(object: ExprNode, name: String, args: [ArgumentNode], enclosing: String, span: SourceSpan) {
    self.object = object
    self.name = name
    self.args = args
    self.enclosing = enclosing
    simple = args.arePlain
    super.init(span: span)
  }

  override func eval(_ f: Frame, _ vm: Interpreter) throws -> Value {
    let receiver = try object.eval(f, vm)
    if case .instance(let i) = receiver, i.field(name) == nil, let m = method(of: i.klass) {
      if simple, m.proto.acceptsDirect(args.count) {
        return try traced(span, in: enclosing) { try vm.callDirect(m, receiver: receiver, args, f) }
      }
      let (positional, keywords) = try evaluateArguments(args, f, vm)
      return try traced(span, in: enclosing) { try vm.callClosure(m, receiver: receiver, positional, keywords) }
    }
    if let m = builtinMethod(of: receiver) {
      if simple {
        // One array holding the receiver and the arguments: a single allocation per call.
        var values: [Value] = []
        values.reserveCapacity(args.count + 1)
        values.append(receiver)
        for a in args { values.append(try a.value.eval(f, vm)) }
        return try traced(span, in: enclosing) { try vm.callNative(m, values, []) }
      }
      let (positional, keywords) = try evaluateArguments(args, f, vm)
      return try traced(span, in: enclosing) { try vm.callNative(m, [receiver] + positional, keywords) }
    }
    if case .native(let n) = receiver, let m = n.nativeType.methods[name] {
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

  @inline(__always)
  private func method(of klass: ClassObject) -> Closure? {
    if klass === cachedClass { return cachedMethod }
    cachedClass = klass
    cachedMethod = klass.findMethod(name)
    return cachedMethod
  }
}

extension Interpreter {
  /// Calls a closure with plain positional arguments evaluated straight into its new frame (the common
  /// case: no keywords, no spreading, not variadic, at most as many arguments as parameters).
  @inline(__always)
  func callDirect(_ c: Closure, receiver: Value?, _ args: [ArgumentNode], _ f: Frame) throws -> Value {
    let proto = c.proto
    // Evaluate the arguments before reserving the frame: they may call functions themselves.
    let count = args.count
    var a0 = Value.null, a1 = Value.null, a2 = Value.null
    var rest: [Value] = []
    for i in 0..<count {
      let v = try args[i].value.eval(f, self)
      switch i {
      case 0: a0 = v
      case 1: a1 = v
      case 2: a2 = v
      default: rest.append(v)
      }
    }
    let frame = try pushFrame(c)
    defer { popFrame(frame, size: proto.frameSize) }
    if let receiver { frame[1] = receiver }
    let first = proto.firstParameterSlot
    if count > 0 { frame[first] = a0 }
    if count > 1 { frame[first + 1] = a1 }
    if count > 2 { frame[first + 2] = a2 }
    for (i, v) in rest.enumerated() { frame[first + 3 + i] = v }
    if count < proto.parameterNames.count {
      for i in count..<proto.parameterNames.count {
        guard let d = proto.defaults[i] else {
          throw EvoError(.argument, "\(proto.name)() is missing the argument '\(proto.parameterNames[i])'")
        }
        frame[first + i] = try d.eval(frame, self)
      }
    }
    return try runBody(proto, frame)
  }
}
