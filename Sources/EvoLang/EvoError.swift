import EvoLimits

/// The class of an Evo error; shown as its name (`SyntaxError`, `TypeError`, ...) and catchable by it.
public enum ErrorKind: String, Sendable {
  case syntax = "SyntaxError"
  case name = "NameError"
  case type = "TypeError"
  case value = "ValueError"
  case index = "IndexError"
  case key = "KeyError"
  case argument = "ArgumentError"
  case attribute = "AttributeError"
  case zeroDivision = "ZeroDivisionError"
  case recursion = "RecursionError"
  /// An allocation beyond the memory limit (`EVO_MEMORY_LIMIT`).
  case memory = "MemoryError"
  case interrupted = "Interrupted"
  case budget = "StepBudgetError"
  case io = "IOError"
  case `import` = "ImportError"
  /// Shapes that do not fit together (broadcasting, matmul, conv, reshape).
  case shape = "ShapeError"
  /// A malformed layer graph or formula, or one a layer cannot run.
  case graph = "GraphError"
  /// Non-finite numbers where finite ones are required (a diverging layer or loss).
  case numeric = "NumericError"
  /// A value thrown with `throw`.
  case thrown = "Error"
  /// An error raised by a host (native) function that names no kind of its own.
  case host = "HostError"

  /// The kind named `name` (`"ShapeError"`), as `catch ShapeError e` spells it.
  public init?(name: String) { self.init(rawValue: name) }
}

/// A host error that knows its Evo kind: errors of the tensor core, graphs and plots conform (in the
/// runtime), so `catch e` in Evo sees `e.kind == "ShapeError"` rather than a generic host error.
public protocol EvoErrorConvertible: Error, CustomStringConvertible {
  /// The kind Evo code sees.
  var evoErrorKind: ErrorKind { get }
}

/// One Evo call on the stack when an error happened.
public struct TraceFrame: Sendable {
  public let function: String
  public let span: SourceSpan

  func isSame(as other: TraceFrame) -> Bool {
    function == other.function && span.start == other.span.start && span.source === other.span.source
  }
}

/// An error's call stack, innermost first, kept small however deep the recursion was: repeats of one
/// frame are counted rather than stored (as Python collapses them), and beyond `keptRuns` runs only the
/// innermost and outermost halves are kept. Adding a frame costs O(`keptRuns`) at most, so unwinding
/// 10,000 calls stays linear.
public struct Traceback: Sendable {
  static let keptRuns = 64
  /// Consecutive identical frames: the frame and how many times it repeats.
  public private(set) var runs: [(frame: TraceFrame, count: Int)] = []
  /// Frames dropped from the middle.
  public private(set) var omitted = 0

  var isEmpty: Bool { runs.isEmpty }

  mutating func append(_ frame: TraceFrame) {
    if let last = runs.last, last.frame.isSame(as: frame) {
      runs[runs.count - 1].count += 1
      return
    }
    if runs.count == Self.keptRuns {
      omitted += runs.remove(at: Self.keptRuns / 2).count
    }
    runs.append((frame, 1))
  }

  /// The first frame (the innermost call).
  var first: TraceFrame? { runs.first?.frame }

  /// The traceback's lines, outermost call first.
  func lines(droppingInnermost dropFirst: Bool) -> [String] {
    var entries = runs
    if dropFirst, !entries.isEmpty {
      if entries[0].count > 1 { entries[0].count -= 1 } else { entries.removeFirst() }
    }
    var out: [String] = []
    for (i, run) in entries.enumerated().reversed() {
      out.append("  \(run.frame.span.description) in \(run.frame.function)")
      if run.count > 1 { out.append("  [previous line repeated \(run.count - 1) more times]") }
      if i == Self.keptRuns / 2, omitted > 0 { out.append("  [\(omitted) more calls]") }
    }
    return out
  }
}

/// An Evo compile-time or run-time error: kind, message, where it happened, the Evo call stack, and
/// for a `throw`, the thrown value.
public struct EvoError: Error, CustomStringConvertible, @unchecked Sendable {
  public let kind: ErrorKind
  public let message: String
  public internal(set) var span: SourceSpan?
  /// The Evo call stack, innermost frame first.
  public internal(set) var trace = Traceback()
  /// A suggestion such as `did you mean 'conv2d'?`.
  public let hint: String?
  /// The thrown value (`throw x`), or a string value of the message for other errors.
  public let value: Value?
  /// The host error this one was made from (a tensor or graph error), for Swift callers that tell
  /// errors apart by more than their kind; nil for errors of the language itself.
  public internal(set) var cause: (any Error)?
  /// True when a syntax error is only the end of input arriving too early (the REPL asks for more).
  public let isIncomplete: Bool
  /// Whether the rendered header names the kind (`error: IndexError: ...`). Host errors already start
  /// with the operation's name (`error: add: shapes ...`) and keep their message as it was.
  let rendersKind: Bool

  public init(
    _ kind: ErrorKind, _ message: String, span: SourceSpan? = nil, hint: String? = nil, value: Value? = nil,
    isIncomplete: Bool = false, renderKind: Bool = true
  ) {
    self.kind = kind
    rendersKind = renderKind && kind != .thrown && kind != .host
    self.message = message
    self.span = span
    self.hint = hint
    self.value = value
    self.isIncomplete = isIncomplete
  }

  public var description: String { "\(kind.rawValue): \(message)" }

  /// An Evo error for any error a host function threw: its own kind when it has one, else `HostError`.
  public init(host error: any Error, span: SourceSpan?) {
    if let e = error as? EvoError {
      self = e
      if self.span == nil { self.span = span }
    } else if let known = error as? EvoErrorConvertible {
      self.init(known.evoErrorKind, known.description, span: span, renderKind: false)
      cause = error
    } else if error is MemoryLimitError {
      self.init(.memory, String(describing: error), span: span)
      cause = error
    } else {
      self.init(.host, String(describing: error), span: span)
      cause = error
    }
  }

  /// The full diagnostic: message, location, the source line with a caret under the error, the hint and
  /// the Evo traceback (innermost call last, as Python prints it).
  public func rendered() -> String {
    if kind == .interrupted { return "interrupted" + (span.map { " at \($0.description)" } ?? "") + "\n" }
    var out = "error: \(rendersKind ? kind.rawValue + ": " : "")\(message)\n"
    if let span {
      let (line, column) = span.source.location(of: span.start)
      let text = span.source.lineText(line)
      let gutter = String(repeating: " ", count: String(line).count)
      let (endLine, endColumn) = span.source.location(of: span.end)
      let width = endLine == line ? max(1, endColumn - column) : 1
      out += "\(gutter)--> \(span.source.name):\(line):\(column)\n"
      out += "\(gutter) |\n"
      out += "\(line) | \(text)\n"
      out +=
        "\(gutter) | \(String(repeating: " ", count: max(0, column - 1)))\(String(repeating: "^", count: min(width, max(1, text.count - column + 1))))\n"
    }
    if let hint { out += "hint: \(hint)\n" }
    // A lone frame at the error's own location adds nothing to the caret above.
    let dropFirst = trace.first.map { span?.start == $0.span.start && span?.source === $0.span.source } ?? false
    let lines = trace.lines(droppingInnermost: dropFirst)
    if !lines.isEmpty {
      out += "traceback (most recent call last):\n"
      for line in lines { out += line + "\n" }
    }
    return out
  }
}

/// The closest of `candidates` to `name` by edit distance, if close enough to suggest.
func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
  var best: (String, Int)?
  let a = Array(name)
  for c in candidates where c != name {
    let b = Array(c)
    guard abs(a.count - b.count) <= 2 else { continue }
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var previous = row[0]
      row[0] = i
      for j in 1...max(b.count, 1) where !b.isEmpty {
        let old = row[j]
        row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
        previous = old
      }
    }
    let d = row[b.count]
    if d <= max(1, min(a.count, b.count) / 3), best.map({ d < $0.1 }) ?? true { best = (c, d) }
  }
  return best.map { "did you mean '\($0.0)'?" }
}
