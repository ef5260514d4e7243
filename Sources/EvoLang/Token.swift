/// Kinds of lexical tokens.
public enum TokenKind: Equatable, Sendable {
  case number(Double)
  /// A string literal: literal text pieces alternating with interpolated source ranges.
  case string([StringPiece])
  case identifier(String)
  case keyword(Keyword)
  case symbol(String)
  case newline
  case end
}

/// A piece of a string literal: text, or an interpolation `\(expr)` given as a byte range of the source.
public enum StringPiece: Equatable, Sendable {
  case text(String)
  case interpolation(start: Int, end: Int)
}

/// Reserved words.
public enum Keyword: String, CaseIterable, Sendable {
  case `let`, fn, `return`, `if`, `else`, `while`, `for`, `in`, `break`, `continue`, `true`, `false`, `nil`
  case and, or, not, `try`, `catch`, `throw`, `class`, `self`, `super`, `import`, from, `as`
}

/// A token with its place in the source.
public struct Token: Sendable {
  public let kind: TokenKind
  public let span: SourceSpan
  /// Whether a newline or comment separated this token from the previous one.
  public let followsNewline: Bool
}
