import Foundation
import Ink

/// A notebook with its outputs as one self-contained HTML page: styles inline, pictures as data URLs,
/// markdown rendered with Ink, Evo code highlighted.
public enum HTMLReport {
  public static func render(_ notebook: Notebook, title: String) -> String {
    let parser = MarkdownParser()
    var body = ""
    for cell in notebook.cells {
      switch cell.kind {
      case .markdown:
        body += "<section class=\"markdown\">\(parser.html(from: cell.source))</section>\n"
      case .raw:
        body += "<section class=\"raw\"><pre>\(escape(cell.source))</pre></section>\n"
      case .code:
        let failed = cell.metadata["evo"]?["status"]?.string == "error"
        let count = cell.executionCount.map(String.init) ?? " "
        body +=
          "<section class=\"code\(failed ? " failed" : "")\"><div class=\"prompt\">[\(count)]</div><div class=\"cell\">"
        body += "<pre class=\"source\"><code>\(EvoHighlighter.html(cell.source))</code></pre>"
        for output in cell.outputs { body += outputHTML(output) }
        body += "</div></section>\n"
      }
    }
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(escape(title))</title>
      <style>\(style)</style>
      </head>
      <body>
      <main>
      <header><h1 class="doc-title">\(escape(title))</h1></header>
      \(body)</main>
      </body>
      </html>

      """
  }

  private static func outputHTML(_ output: JSONValue) -> String {
    func text(_ value: JSONValue?) -> String {
      switch value {
      case .string(let s)?: return s
      case .array(let parts)?: return parts.compactMap(\.string).joined()
      default: return ""
      }
    }
    switch output["output_type"]?.string {
    case "stream":
      return "<pre class=\"output stream\">\(escape(text(output["text"])))</pre>"
    case "execute_result":
      return "<pre class=\"output result\">\(escape(text(output["data"]?["text/plain"])))</pre>"
    case "display_data":
      if let png = output["data"]?["image/png"]?.string {
        return
          "<div class=\"output picture\"><img alt=\"\(escape(text(output["data"]?["text/plain"])))\" src=\"data:image/png;base64,\(png)\"></div>"
      }
      return "<pre class=\"output result\">\(escape(text(output["data"]?["text/plain"])))</pre>"
    case "error":
      let lines = output["traceback"]?.array?.compactMap(\.string) ?? []
      return "<pre class=\"output error\">\(escape(lines.joined(separator: "\n")))</pre>"
    default:
      return ""
    }
  }

  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for ch in text {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(ch)
      }
    }
    return out
  }

  private static let style = """
    body{margin:0;background:#fafafa;color:#1d1d1f;font:15px/1.55 "DejaVu Sans",system-ui,sans-serif}
    main{max-width:980px;margin:0 auto;padding:24px 20px 64px}
    .doc-title{font-size:14px;color:#777;font-weight:normal;margin:0 0 12px}
    section{margin:14px 0}
    .markdown h1,.markdown h2,.markdown h3{line-height:1.25}
    .markdown code{background:#eef1f4;padding:1px 4px;border-radius:3px}
    .code{display:flex;gap:8px}
    .prompt{flex:0 0 44px;color:#8a8a8a;font:12px/1.5 "DejaVu Sans Mono",monospace;padding-top:10px;text-align:right}
    .cell{flex:1;min-width:0}
    pre{margin:0;font:13px/1.45 "DejaVu Sans Mono",monospace;white-space:pre-wrap;word-break:break-word}
    .source{background:#f2f4f7;border:1px solid #e0e3e8;border-radius:6px;padding:10px 12px}
    .failed .source{border-color:#d55e00}
    .output{padding:6px 12px}
    .error{background:#fdecea;color:#8b1a00;border-radius:6px}
    .picture img{max-width:100%;height:auto}
    .kw{color:#0072b2;font-weight:bold}.str{color:#117a4a}.num{color:#b35900}.com{color:#8a8a8a;font-style:italic}
    """
}

/// A small highlighter for Evo source: keywords, strings, numbers, comments.
enum EvoHighlighter {
  static let keywords: Set<String> = [
    "let", "fn", "if", "else", "for", "in", "while", "return", "class", "import", "from", "as", "try", "catch", "throw",
    "true", "false", "nil", "and", "or", "not", "break", "continue", "self", "super",
  ]

  static func html(_ source: String) -> String {
    var out = ""
    let chars = Array(source)
    var i = 0
    func span(_ cls: String, _ text: String) { out += "<span class=\"\(cls)\">\(HTMLReport.escape(text))</span>" }
    while i < chars.count {
      let ch = chars[i]
      if ch == "#" {
        var j = i
        while j < chars.count && chars[j] != "\n" { j += 1 }
        span("com", String(chars[i..<j]))
        i = j
      } else if ch == "\"" {
        var j = i + 1
        while j < chars.count && chars[j] != "\"" && chars[j] != "\n" { j += chars[j] == "\\" ? 2 : 1 }
        j = Swift.min(j + 1, chars.count)
        span("str", String(chars[i..<j]))
        i = j
      } else if ch.isNumber {
        var j = i
        while j < chars.count && (chars[j].isNumber || chars[j] == "." || chars[j] == "e" || chars[j] == "_") { j += 1 }
        span("num", String(chars[i..<j]))
        i = j
      } else if ch.isLetter || ch == "_" {
        var j = i
        while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
        let word = String(chars[i..<j])
        if keywords.contains(word) { span("kw", word) } else { out += HTMLReport.escape(word) }
        i = j
      } else {
        out += HTMLReport.escape(String(ch))
        i += 1
      }
    }
    return out
  }
}
