/// A named piece of Evo source text (a file, a REPL line, a notebook cell) with a line index.
public final class SourceFile: Sendable {
  /// The name shown in diagnostics (a path, `<repl>`, `<cell 3>`).
  public let name: String
  /// The text as UTF-8 bytes.
  public let bytes: [UInt8]
  /// Line number of the first line (notebook cells start further down their file).
  public let firstLine: Int
  private let lineStarts: [Int]

  public init(name: String, text: String, firstLine: Int = 1) {
    self.name = name
    self.bytes = Array(text.utf8)
    self.firstLine = firstLine
    var starts = [0]
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
    lineStarts = starts
  }

  /// 1-based line and column (in characters) of a byte offset.
  public func location(of offset: Int) -> (line: Int, column: Int) {
    var lo = 0
    var hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
    }
    let start = lineStarts[lo]
    let column = String(decoding: bytes[start..<min(max(offset, start), bytes.count)], as: UTF8.self).count + 1
    return (lo + firstLine, column)
  }

  /// The text of a 1-based line (as numbered in diagnostics), without its newline.
  public func lineText(_ line: Int) -> String {
    let i = line - firstLine
    guard i >= 0 && i < lineStarts.count else { return "" }
    var end = i + 1 < lineStarts.count ? lineStarts[i + 1] - 1 : bytes.count
    if end > lineStarts[i] && end - 1 < bytes.count && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return String(decoding: bytes[lineStarts[i]..<max(end, lineStarts[i])], as: UTF8.self)
  }
}

/// A range of bytes in a source file; every token, node and error carries one.
public struct SourceSpan: Sendable {
  public let source: SourceFile
  public let start: Int
  public let end: Int

  public init(source: SourceFile, start: Int, end: Int) {
    self.source = source
    self.start = start
    self.end = max(end, start)
  }

  /// A span covering both.
  public func to(_ other: SourceSpan) -> SourceSpan {
    SourceSpan(source: source, start: start, end: max(end, other.end))
  }

  /// `file:line:column`.
  public var description: String {
    let (l, c) = source.location(of: start)
    return "\(source.name):\(l):\(c)"
  }
}
