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
