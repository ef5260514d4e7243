/// Reading code around a frontend's cursor. Positions count Unicode code points, as the messaging
/// protocol has since version 5.2.
enum CodeCursor {
  /// The name or dotted path that ends at `cursor` (`model.la` in `print(model.la|`), with its start.
  static func pathBefore(_ cursor: Int, in code: String) -> (start: Int, text: String) {
    let scalars = Array(code.unicodeScalars)
    let end = min(max(cursor, 0), scalars.count)
    var start = end
    while start > 0, isPathScalar(scalars[start - 1]) { start -= 1 }
    return (start, String(String.UnicodeScalarView(scalars[start..<end])))
  }

  /// The name or dotted path the cursor is on or just after, for help: in `conv2d(x|` it is `conv2d`
  /// (the call being written), in `ma|x(a)` it is `max`.
  static func pathAround(_ cursor: Int, in code: String) -> String {
    let scalars = Array(code.unicodeScalars)
    var end = min(max(cursor, 0), scalars.count)
    while end < scalars.count, isPathScalar(scalars[end]), scalars[end] != "." { end += 1 }
    var start = end
    while start > 0, isPathScalar(scalars[start - 1]) { start -= 1 }
    if start == end {
      // Not on a name: look back past the open call's arguments to the function being called.
      var depth = 0
      var index = end
      while index > 0 {
        index -= 1
        let c = scalars[index]
        if c == ")" {
          depth += 1
        } else if c == "(" {
          if depth == 0 { return pathBefore(index, in: code).text }
          depth -= 1
        }
      }
      return ""
    }
    var text = String(String.UnicodeScalarView(scalars[start..<end]))
    while text.hasSuffix(".") { text.removeLast() }
    return text
  }

  /// The indent for the next line of unfinished code: two spaces per bracket still open.
  static func indent(after code: String) -> String {
    var depth = 0
    var quote: Unicode.Scalar?
    var escaped = false
    var comment = false
    for c in code.unicodeScalars {
      if comment {
        if c == "\n" { comment = false }
      } else if let open = quote {
        if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == open { quote = nil }
      } else if c == "\"" || c == "'" {
        quote = c
      } else if c == "#" {
        comment = true
      } else if "([{".unicodeScalars.contains(c) {
        depth += 1
      } else if ")]}".unicodeScalars.contains(c) {
        depth = max(0, depth - 1)
      }
    }
    return String(repeating: "  ", count: depth)
  }

  private static func isPathScalar(_ c: Unicode.Scalar) -> Bool {
    c == "_" || c == "." || c.properties.isAlphabetic || ("0"..."9").contains(c)
  }
}
