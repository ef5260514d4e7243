import Foundation

/// The Jupytext "percent" format with Evo code: `# %%` starts a code cell, `# %% [markdown]` a markdown
/// cell whose lines are `# `-prefixed; the marker line may carry a title and `key=value` metadata
/// (values in JSON, e.g. `tags=["parameters"]`); text before the first marker is a code cell.
public enum PercentFormat {
  /// Parses a percent-format notebook (LF or CRLF line ends, with or without a final newline).
  public static func parse(_ text: String) throws -> Notebook {
    let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var cells: [Notebook.Cell] = []
    // Text before the first marker is a code cell too, kept only when it is not blank.
    var current = (
      kind: Notebook.CellKind.code, metadata: [String: JSONValue](), start: 1, lines: [String](), isPreamble: true
    )
    func finish() {
      // Blank lines around the body are dropped by slicing (linear however many there are).
      let isBlank = { (line: String) in line.allSatisfy(\.isWhitespace) }
      let lead = current.lines.firstIndex { !isBlank($0) } ?? current.lines.count
      let trail = (current.lines.lastIndex { !isBlank($0) } ?? lead - 1) + 1
      var body = Array(current.lines[lead..<Swift.max(lead, trail)])
      let first = current.start + lead
      if current.isPreamble && body.isEmpty { return }
      if current.kind == .markdown { body = body.map(unprefixComment) }
      var cell = Notebook.Cell(current.kind, body.joined(separator: "\n"), metadata: current.metadata)
      cell.firstLine = first
      cells.append(cell)
    }
    for (index, line) in lines.enumerated() {
      if let marker = try parseMarker(line, lineNumber: index + 1) {
        finish()
        current = (marker.kind, marker.metadata, index + 2, [], false)
      } else {
        current.lines.append(line)
      }
    }
    finish()
    return Notebook(cells: cells)
  }

  /// `# text` → `text`, `#` → empty.
  private static func unprefixComment(_ line: String) -> String {
    if line.hasPrefix("# ") { return String(line.dropFirst(2)) }
    if line == "#" { return "" }
    return line
  }

  /// The cell kind and metadata of a marker line, or nil when the line is not a marker.
  static func parseMarker(_ line: String, lineNumber: Int) throws -> (
    kind: Notebook.CellKind, metadata: [String: JSONValue]
  )? {
    guard line.hasPrefix("# %%") else { return nil }
    var rest = Substring(line.dropFirst(4))
    if let next = rest.first, !next.isWhitespace { return nil }  // `# %%%` or `# %%x` is not a marker
    var kind = Notebook.CellKind.code
    var metadata: [String: JSONValue] = [:]
    var titleWords: [String] = []
    while true {
      rest = rest.drop { $0.isWhitespace }
      guard !rest.isEmpty else { break }
      if rest.first == "[", let close = rest.firstIndex(of: "]") {
        let name = rest[rest.index(after: rest.startIndex)..<close]
        switch name {
        case "markdown", "md": kind = .markdown
        case "raw": kind = .raw
        default: throw NotebookError("line \(lineNumber): unknown cell type [\(name)]")
        }
        rest = rest[rest.index(after: close)...]
        continue
      }
      if let equals = rest.firstIndex(of: "="),
        rest[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }),
        !rest[..<equals].isEmpty
      {
        let key = String(rest[..<equals])
        let (value, remainder) = try readJSONValue(rest[rest.index(after: equals)...], lineNumber: lineNumber)
        metadata[key] = value
        rest = remainder
        continue
      }
      let word = rest.prefix { !$0.isWhitespace }
      titleWords.append(String(word))
      rest = rest.dropFirst(word.count)
    }
    if !titleWords.isEmpty { metadata["title"] = .string(titleWords.joined(separator: " ")) }
    return (kind, metadata)
  }

  /// Reads one JSON value (string, list, object, number, literal) from the front of `text`.
  private static func readJSONValue(_ text: Substring, lineNumber: Int) throws -> (JSONValue, Substring) {
    var depth = 0
    var inString = false
    var escaped = false
    var end = text.startIndex
    for index in text.indices {
      let ch = text[index]
      end = text.index(after: index)
      if inString {
        if escaped {
          escaped = false
        } else if ch == "\\" {
          escaped = true
        } else if ch == "\"" {
          inString = false
          if depth == 0 { break }
        }
        continue
      }
      if ch == "\"" {
        inString = true
        continue
      }
      if ch == "[" || ch == "{" {
        depth += 1
        continue
      }
      if ch == "]" || ch == "}" {
        depth -= 1
        if depth == 0 { break }
        continue
      }
      if depth == 0 && ch.isWhitespace {
        end = index
        break
      }
    }
    let token = String(text[text.startIndex..<end])
    do {
      return (try JSONValue.parse(token), text[end...])
    } catch {
      throw NotebookError("line \(lineNumber): metadata value \(token) is not JSON")
    }
  }

  /// The notebook in percent format: sources and metadata survive a round trip through `parse`.
  public static func write(_ notebook: Notebook) -> String {
    var parts: [String] = []
    for cell in notebook.cells {
      var marker = "# %%"
      if let title = cell.metadata["title"]?.string { marker += " " + title }
      if cell.kind != .code { marker += " [\(cell.kind.rawValue)]" }
      for key in cell.metadata.keys.sorted() where key != "title" {
        marker += " \(key)=" + (cell.metadata[key]?.serialized(indent: nil) ?? "null")
      }
      var body = cell.source
      if cell.kind == .markdown {
        body = cell.source.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "#" : "# " + $0 }
          .joined(separator: "\n")
      }
      parts.append(body.isEmpty ? marker : marker + "\n" + body)
    }
    return parts.joined(separator: "\n\n") + "\n"
  }
}
