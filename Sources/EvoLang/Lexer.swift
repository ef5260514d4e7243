/// Turns source bytes into tokens. Newlines end statements except inside `(` `[`, after a token that
/// cannot end an expression (an operator, a comma, an opening bracket), or before a line that starts
/// with `.` (a continued method chain).
struct Lexer {
  let source: SourceFile
  private let bytes: [UInt8]
  private var position: Int
  private let end: Int
  private var tokens: [Token] = []
  /// Open brackets; newlines count only at top level or directly inside `{`.
  private var brackets: [UInt8] = []
  private var newlinesSignificant: Bool { brackets.last.map { $0 == UInt8(ascii: "{") } ?? true }

  init(source: SourceFile, start: Int = 0, end: Int? = nil) {
    self.source = source
    self.bytes = source.bytes
    self.position = start
    self.end = end ?? source.bytes.count
  }

  private static let symbols3: Set<String> = ["..."]
  private static let symbols2: Set<String> = ["==", "!=", "<=", ">=", "**", "+=", "-=", "*=", "/=", "%=", "=>"]
  private static let symbols1: Set<UInt8> = Set("+-*/%@<>=()[]{},.:;?!".utf8)

  private func span(_ start: Int, _ end: Int) -> SourceSpan { SourceSpan(source: source, start: start, end: end) }

  mutating func tokenize() throws -> [Token] {
    var sawNewline = false
    while true {
      // Skip blanks and comments, noting newlines.
      while position < end {
        let c = bytes[position]
        if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
          position += 1
        } else if c == UInt8(ascii: "#") {
          while position < end && bytes[position] != UInt8(ascii: "\n") { position += 1 }
        } else if c == UInt8(ascii: "\n") {
          if newlinesSignificant { emitNewline(at: position) }
          sawNewline = true
          position += 1
        } else if c == UInt8(ascii: "\\") && position + 1 < end && bytes[position + 1] == UInt8(ascii: "\n") {
          position += 2  // explicit line continuation
        } else {
          break
        }
      }
      guard position < end else { break }
      let start = position
      let c = bytes[position]
      if c == UInt8(ascii: ".") && sawNewline, let last = tokens.last, last.kind == .newline,
        !(position + 2 < end && bytes[position + 1] == UInt8(ascii: ".") && bytes[position + 2] == UInt8(ascii: "."))
      {
        tokens.removeLast()  // `.method()` on a new line continues the expression
      }
      let kind: TokenKind
      if isDigit(c) || (c == UInt8(ascii: ".") && position + 1 < end && isDigit(bytes[position + 1])) {
        kind = try number()
      } else if isIdentifierStart(c) {
        while position < end && isIdentifierPart(bytes[position]) { position += 1 }
        let word = String(decoding: bytes[start..<position], as: UTF8.self)
        kind = Keyword(rawValue: word).map { .keyword($0) } ?? .identifier(word)
      } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
        kind = try string(quote: c)
      } else {
        kind = try symbol()
      }
      tokens.append(Token(kind: kind, span: span(start, position), followsNewline: sawNewline))
      sawNewline = false
    }
    if newlinesSignificant { emitNewline(at: end) }
    tokens.append(Token(kind: .end, span: span(end, end), followsNewline: true))
    return tokens
  }

  private mutating func emitNewline(at offset: Int) {
    guard let last = tokens.last else { return }
    switch last.kind {
    case .newline: return
    case .symbol(let s)
    where [
      "+", "-", "*", "/", "%", "@", "**", "=", "==", "!=", "<", ">", "<=", ">=", ",", "(", "[", "{", ".", ":",
      "+=", "-=", "*=", "/=", "%=", "=>",
    ].contains(s):
      return
    case .keyword(let k) where [.and, .or, .not, .in].contains(k):
      return
    default:
      tokens.append(Token(kind: .newline, span: span(offset, offset), followsNewline: false))
    }
  }

  private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
  private func isIdentifierStart(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
      || c == UInt8(ascii: "_") || c >= 0x80
  }
  private func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) }

  private mutating func number() throws -> TokenKind {
    let start = position
    if bytes[position] == UInt8(ascii: "0"), position + 1 < end, bytes[position + 1] | 0x20 == UInt8(ascii: "x") {
      position += 2
      let digitsStart = position
      while position < end, isHex(bytes[position]) || bytes[position] == UInt8(ascii: "_") { position += 1 }
      let text = String(decoding: bytes[digitsStart..<position], as: UTF8.self).replacingOccurrences(of: "_", with: "")
      guard let v = UInt64(text, radix: 16) else {
        throw EvoError(.syntax, "invalid hexadecimal literal", span: span(start, position))
      }
      return .number(Double(v))
    }
    while position < end, isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_") { position += 1 }
    if position + 1 < end, bytes[position] == UInt8(ascii: "."), isDigit(bytes[position + 1]) {
      position += 1
      while position < end, isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_") { position += 1 }
    }
    if position < end, bytes[position] | 0x20 == UInt8(ascii: "e") {
      var p = position + 1
      if p < end, bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-") { p += 1 }
      if p < end, isDigit(bytes[p]) {
        position = p
        while position < end, isDigit(bytes[position]) { position += 1 }
      }
    }
    let text = String(decoding: bytes[start..<position], as: UTF8.self).replacingOccurrences(of: "_", with: "")
    guard let v = Double(text) else {
      throw EvoError(.syntax, "invalid number literal '\(text)'", span: span(start, position))
    }
    if position < end, isIdentifierStart(bytes[position]) {
      throw EvoError(.syntax, "invalid number literal: a letter follows '\(text)'", span: span(start, position + 1))
    }
    return .number(v)
  }

  private func isHex(_ c: UInt8) -> Bool {
    isDigit(c) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "f"))
  }

  private mutating func string(quote: UInt8) throws -> TokenKind {
    let start = position
    position += 1
    var pieces: [StringPiece] = []
    var text: [UInt8] = []
    while true {
      guard position < end else {
        throw EvoError(.syntax, "unterminated string literal", span: span(start, start + 1), isIncomplete: true)
      }
      let c = bytes[position]
      if c == quote {
        position += 1
        break
      }
      if c == UInt8(ascii: "\n") {
        throw EvoError(
          .syntax, "unterminated string literal (strings end on the same line)", span: span(start, start + 1))
      }
      if c == UInt8(ascii: "\\") {
        guard position + 1 < end else {
          throw EvoError(.syntax, "unterminated string literal", span: span(start, start + 1), isIncomplete: true)
        }
        let e = bytes[position + 1]
        position += 2
        switch e {
        case UInt8(ascii: "n"): text.append(10)
        case UInt8(ascii: "t"): text.append(9)
        case UInt8(ascii: "r"): text.append(13)
        case UInt8(ascii: "0"): text.append(0)
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): text.append(e)
        case UInt8(ascii: "("):
          if !text.isEmpty {
            pieces.append(.text(String(decoding: text, as: UTF8.self)))
            text = []
          }
          let exprStart = position
          var depth = 1
          while position < end && depth > 0 {
            switch bytes[position] {
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"): depth -= 1
            case UInt8(ascii: "\n"):
              throw EvoError(.syntax, "unterminated interpolation in string", span: span(exprStart - 2, position))
            default: break
            }
            position += 1
          }
          guard depth == 0 else {
            throw EvoError(
              .syntax, "unterminated interpolation in string", span: span(exprStart - 2, position), isIncomplete: true)
          }
          pieces.append(.interpolation(start: exprStart, end: position - 1))
        default:
          throw EvoError(
            .syntax, "unknown escape sequence '\\\(String(UnicodeScalar(e)))'", span: span(position - 2, position))
        }
        continue
      }
      text.append(c)
      position += 1
    }
    if !text.isEmpty || pieces.isEmpty { pieces.append(.text(String(decoding: text, as: UTF8.self))) }
    return .string(pieces)
  }

  private mutating func symbol() throws -> TokenKind {
    let start = position
    func text(_ n: Int) -> String? {
      position + n <= end ? String(decoding: bytes[position..<(position + n)], as: UTF8.self) : nil
    }
    if let s = text(3), Self.symbols3.contains(s) {
      position += 3
      return .symbol(s)
    }
    if let s = text(2), Self.symbols2.contains(s) {
      position += 2
      return .symbol(s)
    }
    let c = bytes[position]
    guard Self.symbols1.contains(c) else {
      let scalar = String(decoding: bytes[position..<min(position + 4, end)], as: UTF8.self).prefix(1)
      throw EvoError(.syntax, "unexpected character '\(scalar)'", span: span(start, start + 1))
    }
    position += 1
    switch c {
    case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"): brackets.append(c)
    case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"): _ = brackets.popLast()
    default: break
    }
    return .symbol(String(UnicodeScalar(c)))
  }
}
