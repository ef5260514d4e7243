extension Interpreter {
  /// Whether a chunk parses (`nil`), is merely unfinished (`.incomplete`), or is invalid (the error).
  public enum ParseStatus {
    case complete
    case incomplete
    case invalid(EvoError)
  }

  /// Parses without compiling or running: how a REPL decides between running and asking for more.
  public func parseStatus(_ source: SourceFile) -> ParseStatus {
    do {
      _ = try Parser.parse(source)
      return .complete
    } catch let e as EvoError {
      return e.isIncomplete ? .incomplete : .invalid(e)
    } catch {
      return .invalid(EvoError(.syntax, String(describing: error)))
    }
  }

  /// The value of a dotted name such as `model.layers` (names and member reads only, nothing is
  /// called), for completion.
  public func resolveDotted(_ path: String) -> Value? {
    let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard let first = parts.first, var value = lookup(first) else { return nil }
    for name in parts.dropFirst() {
      guard let next = try? getMember(value, name) else { return nil }
      value = next
    }
    return value
  }

  /// Completions of `text`, the word before the cursor, where `line` is the code up to the cursor:
  /// keywords and globals, or the members of what comes before the last dot (a dotted name, or an
  /// expression ending in a call such as `g.layer(channels: 4)`, completed without running it), each
  /// as `text` completed.
  public func completions(of text: String, line: String) -> [String] {
    if let dot = text.lastIndex(of: ".") {
      let base = String(text[..<dot])
      let partial = String(text[text.index(after: dot)...])
      let expression = Interpreter.expressionBeforeMember(in: line) ?? base
      return memberCompletions(after: expression).filter { $0.hasPrefix(partial) }.map { base + "." + $0 }
    }
    return Set(Interpreter.keywords + globalNames).filter { $0.hasPrefix(text) }.sorted()
  }

  /// The expression whose member is being typed at the end of `line`: `"y = g.layer(4).ch"` gives
  /// `g.layer(4)`. Names, dots and balanced brackets back from the last dot; nil without a dot.
  public static func expressionBeforeMember(in line: String) -> String? {
    let chars = Array(line)
    guard let dot = chars.lastIndex(of: ".") else { return nil }
    var i = dot
    var depth = 0
    scan: while i > 0 {
      let c = chars[i - 1]
      switch c {
      case ")", "]": depth += 1
      case "(", "[":
        guard depth > 0 else { break scan }
        depth -= 1
      default:
        guard depth > 0 || c.isLetter || c.isNumber || c == "_" || c == "." else { break scan }
      }
      i -= 1
    }
    guard depth == 0, i < dot else { return nil }
    return String(chars[i..<dot])
  }

  /// Members offered after `expression.`, found without running anything: the members of a dotted
  /// name's value; after a call `f(...)`, those of the native type `f` is declared to return (a class's
  /// methods after `Class(...)`), else every member of every type (lists, strings, dicts and the host's
  /// types), since which type the call returns is only known by running it.
  public func memberCompletions(after expression: String) -> [String] {
    if let value = resolveDotted(expression) { return memberNames(of: value) }
    guard expression.hasSuffix(")") || expression.hasSuffix("]") else { return [] }
    if expression.hasSuffix(")"), let open = Self.openingParenthesis(of: expression) {
      let callee = String(expression[..<open])
      var function: NativeFunction?
      switch resolveDotted(callee) {
      case .builtin(let f)?: function = f
      case .boundMethod(let m)?: if case .builtin(let f) = m.method { function = f }
      case .native(let n)?: function = n.nativeType.call
      case .klass(let k)?: return k.allMethodNames
      default: break
      }
      if let name = function?.returns, let type = nativeTypes[name] { return type.memberNames }
    }
    let everything =
      nativeTypes.values.flatMap(\.memberNames)
      + [Value.list(ListObject([])), .string(""), .dict(DictObject())].flatMap(Builtins.methodNames(of:))
    return Set(everything).sorted()
  }

  /// Where the parenthesis closing `text` opens.
  private static func openingParenthesis(of text: String) -> String.Index? {
    var depth = 0
    var i = text.endIndex
    while i > text.startIndex {
      i = text.index(before: i)
      if text[i] == ")" { depth += 1 }
      if text[i] == "(" {
        depth -= 1
        if depth == 0 { return i }
      }
    }
    return nil
  }

  /// Member names offered after `value.`.
  public func memberNames(of value: Value) -> [String] {
    switch value {
    case .instance(let i): return i.fieldNames.sorted() + i.klass.allMethodNames
    case .module(let m): return m.definedNames.sorted()
    case .native(let n): return n.nativeType.memberNames
    case .klass(let k): return k.allMethodNames
    default: return Builtins.methodNames(of: value)
    }
  }

  /// The language's reserved words.
  public static var keywords: [String] { Keyword.allCases.map(\.rawValue) }
}
