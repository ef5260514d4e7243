import EvoLimits
import Foundation

/// A flag a host sets from another thread (Ctrl-C) to stop running Evo code at its next loop
/// iteration or call, with an `Interrupted` error; the interpreter's state stays usable. It is
/// EvoTensor's `CancellationToken` too: a session gives it to its tensor kernels.
public typealias InterruptFlag = StopRequest

/// Frames are windows of the interpreter's value stack.
typealias Frame = UnsafeMutablePointer<Value>

/// Runs Evo code: owns the value stack, the modules, the builtins and the host's registrations.
public final class Interpreter {
  let stack: Frame
  let stackCapacity: Int
  var stackTop = 0
  var depth = 0
  /// Deepest Evo call nesting before a `RecursionError`.
  public var maxDepth: Int
  /// The value of the last `return` (read by the caller right after the body finishes).
  var returnValue: Value = .null

  public let interrupt = InterruptFlag()
  /// Remaining loop iterations and calls before a `StepBudgetError` (nil: unlimited). For tests and sandboxes.
  public var stepBudget: Int?

  var builtins: [Value] = []
  var builtinIndex: [String: Int] = [:]
  /// Docs of builtins that are not functions (constants, modules).
  var builtinDocs: [String: String] = [:]
  /// Host-registered native types by name (for help and completion).
  public private(set) var nativeTypes: [String: NativeType] = [:]

  /// Where `print` writes (a notebook captures it).
  public var output: (String) -> Void = { text in
    FileHandle.standardOutput.write(Data(text.utf8))
  }
  /// Whether `output` reaches a terminal (progress bars redraw in place only there); a host that
  /// captures the output sets it false.
  public var outputIsTerminal = isatty(1) != 0

  /// Folders searched by `import name` after the importing file's folder.
  public var searchPaths: [String] = []
  var modules: [String: Module] = [:]
  /// Every function compiled in this session, kept for the interpreter's lifetime (a few hundred bytes
  /// of nodes each, bounded by the source compiled). A running body therefore never loses its code,
  /// even when its closure dies mid-call, so calls may borrow a closure from a global without a retain.
  var compiledFunctions: [FunctionProto] = []
  var loading: Set<String> = []
  /// The session's main module (REPL, script, notebook).
  public let main: Module
  /// Arguments of `evo run FILE ARGS...`, visible as `args`.
  public var scriptArguments: [String] = [] {
    didSet { defineGlobal("args", .list(ListObject(scriptArguments.map { .string($0) }))) }
  }

  public init(stackCapacity: Int = 1 << 18, maxDepth: Int = 10_000) {
    self.stackCapacity = stackCapacity
    self.maxDepth = maxDepth
    stack = .allocate(capacity: stackCapacity)
    stack.initialize(repeating: .null, count: stackCapacity)
    main = Module(name: "__main__", path: nil)
    if let extra = ProcessInfo.processInfo.environment["EVO_PATH"] {
      searchPaths = extra.split(separator: ":").map(String.init)
    }
    Builtins.install(in: self)
  }

  deinit {
    stack.deinitialize(count: stackCapacity)
    stack.deallocate()
  }

  // MARK: - Host registration

  /// Registers a native function as a builtin global.
  public func register(_ function: NativeFunction) { defineBuiltin(function.name, .builtin(function)) }

  /// Registers a builtin global value (a constant, a namespace module), with an optional doc for `help`.
  public func defineBuiltin(_ name: String, _ value: Value, doc: String? = nil) {
    if let i = builtinIndex[name] {
      builtins[i] = value
    } else {
      builtinIndex[name] = builtins.count
      builtins.append(value)
    }
    if let doc { builtinDocs[name] = doc }
  }

  /// Registers a native type so `help` and completion know it.
  public func register(_ type: NativeType) { nativeTypes[type.name] = type }

  /// Sets a global of the main module.
  public func defineGlobal(_ name: String, _ value: Value) { main.set(name, value) }

  /// Names visible at the top level: builtins, main-module globals and keywords (for completion).
  public var globalNames: [String] {
    Array(builtinIndex.keys) + main.definedNames
  }

  /// A global of the main module, else a builtin.
  public func lookup(_ name: String) -> Value? {
    main.value(of: name) ?? builtinIndex[name].map { builtins[$0] }
  }

  // MARK: - Running code

  /// Compiles and runs a chunk in `module` (the main module by default). Returns the value of a final
  /// expression statement, or nil when the chunk does not end with one.
  @discardableResult
  public func run(_ source: SourceFile, in module: Module? = nil) throws -> Value? {
    let target = module ?? main
    let chunk = try Compiler.compileChunk(source, module: target, interpreter: self)
    return try execute(chunk)
  }

  func execute(_ chunk: Chunk) throws -> Value? {
    let base = stackTop
    guard base + chunk.frameSize <= stackCapacity else { throw EvoError(.recursion, "the value stack is exhausted") }
    stackTop = base + chunk.frameSize
    let savedDepth = depth
    defer {
      for i in base..<(base + chunk.frameSize) { stack[i] = .null }
      stackTop = base
      depth = savedDepth
    }
    chunk.result = nil
    _ = try chunk.body.run(stack + base, self)
    return chunk.result
  }

  /// Calls an Evo value (closure, builtin, bound method, class) from the host.
  public func call(_ callee: Value, _ arguments: [Value], keywords: [(String, Value)] = []) throws -> Value {
    try call(callee, arguments, keywords, span: nil)
  }

  // MARK: - Steps and interruption

  /// Counts one step (a loop iteration or a call) and raises on interruption or an exhausted budget.
  @inline(__always)
  func tick() throws {
    if interrupt.isRequested {
      interrupt.reset()
      throw Self.interruptedError()
    }
    if let budget = stepBudget {
      guard budget > 0 else { throw Self.budgetError() }
      stepBudget = budget - 1
    }
  }

  /// Raises if an interrupt is pending. Checked before and after every native function and operator: a
  /// long native call that ignored it (or finished just as it arrived) still ends as `Interrupted`, its
  /// result is not bound, and no further native call starts.
  @inline(__always)
  func checkInterrupt() throws {
    if interrupt.isRequested {
      interrupt.reset()
      throw Self.interruptedError()
    }
  }

  /// `result`, unless an interrupt arrived while it was computed.
  @inline(__always)
  func afterNative(_ result: Value) throws -> Value {
    try checkInterrupt()
    return result
  }

  // Errors of the hot paths, built out of line so those paths keep small stack frames.
  @inline(never) static func interruptedError() -> EvoError { EvoError(.interrupted, "interrupted") }
  @inline(never) static func budgetError() -> EvoError {
    EvoError(.budget, "the step budget is exhausted (an infinite loop?)")
  }
  @inline(never) func recursionError(_ c: Closure) -> EvoError {
    EvoError(.recursion, "maximum recursion depth (\(maxDepth)) exceeded in \(c.proto.name)()")
  }

  // MARK: - Calls

  /// The general call path: positional and keyword arguments already evaluated.
  func call(_ callee: Value, _ positional: [Value], _ keywords: [(String, Value)], span: SourceSpan?) throws -> Value {
    switch callee {
    case .closure(let c):
      return try callClosure(c, receiver: nil, positional, keywords)
    case .builtin(let f):
      return try callNative(f, positional, keywords)
    case .boundMethod(let m):
      switch m.method {
      case .closure(let c): return try callClosure(c, receiver: m.receiver, positional, keywords)
      case .builtin(let f): return try callNative(f, [m.receiver] + positional, keywords)
      default: return try call(m.method, [m.receiver] + positional, keywords, span: span)
      }
    case .klass(let k):
      return try instantiate(k, positional, keywords)
    case .native(let n):
      if let f = n.nativeType.call { return try callNative(f, [callee] + positional, keywords) }
    case .instance(let i):
      // An instance whose class defines `call` is callable: `model(x)` runs `model.call(x)`.
      if let m = i.klass.findMethod("call") { return try callClosure(m, receiver: callee, positional, keywords) }
    default:
      break
    }
    throw EvoError(.type, "\(callee.typeName) value is not callable", span: span)
  }

  func instantiate(_ k: ClassObject, _ positional: [Value], _ keywords: [(String, Value)]) throws -> Value {
    let instance = Instance(klass: k)
    var chain: [ClassObject] = []
    var c: ClassObject? = k
    while let x = c {
      chain.append(x)
      c = x.superclass
    }
    for cls in chain.reversed() {
      for (name, initializer) in cls.fieldInitializers {
        instance.set(name, try callClosure(initializer, receiver: nil, [], []))
      }
    }
    if let initMethod = k.findMethod("init") {
      _ = try callClosure(initMethod, receiver: .instance(instance), positional, keywords)
    } else if !positional.isEmpty || !keywords.isEmpty {
      throw EvoError(.argument, "\(k.name)() takes no arguments (the class has no init)")
    }
    return .instance(instance)
  }

  /// Binds arguments to a closure's parameters in a new frame and runs its body.
  func callClosure(_ c: Closure, receiver: Value?, _ positional: [Value], _ keywords: [(String, Value)]) throws -> Value
  {
    let proto = c.proto
    if proto.isMethod && receiver == nil {
      // `Class.method(obj, ...)`: the first argument is the receiver.
      guard let first = positional.first else {
        throw EvoError(.argument, "method \(proto.name)() needs an instance as its first argument")
      }
      return try callClosure(c, receiver: first, Array(positional.dropFirst()), keywords)
    }
    let frame = try pushFrame(c)
    defer { popFrame(frame, size: proto.frameSize) }
    if let receiver { frame[1] = receiver }
    let first = proto.firstParameterSlot
    let names = proto.parameterNames
    let fixed = proto.variadic ? names.count - 1 : names.count
    var filled = [Bool](repeating: false, count: names.count)
    if positional.count > fixed && !proto.variadic {
      throw EvoError(
        .argument, "\(proto.name)() takes \(fixed) argument\(fixed == 1 ? "" : "s") but \(positional.count) were given")
    }
    for (i, v) in positional.prefix(fixed).enumerated() {
      frame[first + i] = v
      filled[i] = true
    }
    if proto.variadic {
      frame[first + fixed] = .list(ListObject(Array(positional.dropFirst(fixed))))
      filled[fixed] = true
    }
    for (label, v) in keywords {
      guard let i = names.firstIndex(of: label), !(proto.variadic && i == fixed) else {
        throw EvoError(
          .argument, "\(proto.name)() has no parameter '\(label)'", hint: suggestion(for: label, among: names))
      }
      guard !filled[i] else { throw EvoError(.argument, "\(proto.name)() got two values for '\(label)'") }
      frame[first + i] = v
      filled[i] = true
    }
    for i in 0..<names.count where !filled[i] {
      guard let d = proto.defaults[i] else {
        throw EvoError(.argument, "\(proto.name)() is missing the argument '\(names[i])'")
      }
      frame[first + i] = try d.eval(frame, self)
    }
    return try runBody(proto, frame)
  }

  /// Reserves a frame for `c` on the value stack.
  @inline(__always)
  func pushFrame(_ c: Closure) throws -> Frame {
    let size = c.proto.frameSize
    guard depth < maxDepth, stackTop + size <= stackCapacity else { throw recursionError(c) }
    let frame = stack + stackTop
    stackTop &+= size
    depth &+= 1
    if c.proto.needsClosureSlot { frame.initialize(to: .closure(c)) }
    return frame
  }

  /// Releases a frame's values and the stack space (free slots hold nil, so a frame's slots can be
  /// initialised without releasing what they held).
  @inline(__always)
  func popFrame(_ frame: Frame, size: Int) {
    for i in 0..<size {
      // Slots holding plain data need no release (and no call to the enum's destroy function).
      switch frame[i] {
      case .null, .bool, .number, .undefined: continue
      default: frame[i] = .null
      }
    }
    stackTop &-= size
    depth &-= 1
  }

  /// Boxes captured parameters, runs the statements and returns the returned value (nil by default).
  @inline(__always)
  func runBody(_ proto: FunctionProto, _ frame: Frame) throws -> Value {
    try tick()
    if proto.hasBoxedSlots { for slot in proto.boxedSlots { frame[slot] = .cell(Cell(frame[slot])) } }
    if case .returned = try proto.runnableBody._withUnsafeGuaranteedRef({ try $0.run(frame, self) }) {
      return takeReturnValue()
    }
    if let result = proto.runnableResult { return try result._withUnsafeGuaranteedRef { try $0.eval(frame, self) } }
    return .null
  }

  /// Records the value of a `return` (the slot holds nil between returns: nothing to release).
  @inline(__always)
  func setReturnValue(_ v: Value) {
    withUnsafeMutablePointer(to: &returnValue) { $0.initialize(to: v) }
  }

  /// The value of the last `return`, leaving nil in its place (a move: no copy, no release).
  @inline(__always)
  func takeReturnValue() -> Value {
    withUnsafeMutablePointer(to: &returnValue) { p in
      let v = p.move()
      p.initialize(to: .null)
      return v
    }
  }

  func callNative(_ f: NativeFunction, _ positional: [Value], _ keywords: [(String, Value)]) throws -> Value {
    if keywords.isEmpty, positional.count == f.parameters.count, !f.hasVariadic {
      return try invokeNative(f, positional)
    }
    let params = f.parameters
    let variadicIndex = params.firstIndex { $0.variadic }
    let fixed = variadicIndex ?? params.count
    var values = [Value?](repeating: nil, count: params.count)
    if positional.count > fixed && variadicIndex == nil {
      let shown = params.first?.name == "self" ? fixed - 1 : fixed
      throw EvoError(
        .argument,
        "\(f.name)() takes \(shown) argument\(shown == 1 ? "" : "s") but \(positional.count - (fixed - shown)) were given"
      )
    }
    for (i, v) in positional.prefix(fixed).enumerated() { values[i] = v }
    if let vi = variadicIndex { values[vi] = .list(ListObject(Array(positional.dropFirst(fixed)))) }
    for (label, v) in keywords {
      guard let i = params.firstIndex(where: { $0.isNamed(label) && !$0.variadic }) else {
        throw EvoError(
          .argument, "\(f.name)() has no parameter '\(label)'", hint: suggestion(for: label, among: params.map(\.name)))
      }
      guard values[i] == nil else { throw EvoError(.argument, "\(f.name)() got two values for '\(label)'") }
      values[i] = v
    }
    var bound: [Value] = []
    bound.reserveCapacity(params.count)
    for (i, p) in params.enumerated() {
      if let v = values[i] {
        bound.append(v)
      } else if let d = p.defaultValue {
        bound.append(d.value)
      } else {
        throw EvoError(.argument, "\(f.name)() is missing the argument '\(p.name)'")
      }
    }
    return try invokeNative(f, bound)
  }

  /// Calls a native function whose first `count` arguments `fill` writes into value-stack slots (they
  /// hold nil before); later parameters take their defaults. The caller checked `acceptsPositional`.
  /// Errors of the body (not of `fill`) are traced to the call site `span` in `function`.
  @inline(__always)
  func callNativeOnStack(
    _ fn: NativeFunction, count: Int, span: SourceSpan, in function: String, _ fill: (Frame) throws -> Void
  ) throws -> Value {
    let size = fn.parameters.count
    guard stackTop + size <= stackCapacity else { throw EvoError(.recursion, "the value stack is exhausted") }
    let base = stack + stackTop
    stackTop += size
    defer {
      for i in 0..<size { base[i] = .null }
      stackTop -= size
    }
    try fill(base)
    for i in count..<size { (base + i).initialize(to: fn.parameters[i].defaultValue?.value ?? .null) }
    try checkInterrupt()
    return try afterNative(
      try traced(span, in: function) { try fn.body(Arguments(fn, base, count: size, interpreter: self)) })
  }

  /// Runs a native function's body on arguments already bound in parameter order.
  @inline(__always)
  func invokeNative(_ f: NativeFunction, _ bound: [Value]) throws -> Value {
    try checkInterrupt()
    return try bound.withUnsafeBufferPointer { b in
      guard let base = b.baseAddress else {
        return try afterNative(try f.body(Arguments(f, stack, count: 0, interpreter: self)))
      }
      return try afterNative(try f.body(Arguments(f, base, count: b.count, interpreter: self)))
    }
  }
}

/// Optional comparison for `values[i] == nil` on `[Value?]`.
private func == (lhs: Value?, rhs: _OptionalNilComparisonType) -> Bool {
  if case .none = lhs { return true }
  return false
}
