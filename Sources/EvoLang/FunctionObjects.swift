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
