import EvoLang
import Foundation

/// A JSON value, read strictly and written the way Python's `json.dumps(indent=1, sort_keys=True,
/// ensure_ascii=False)` writes it — the reference nbformat writer — so notebooks diff cleanly.
public enum JSONValue: Equatable, Sendable, Decodable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let b = try? container.decode(Bool.self) {
      self = .bool(b)
    } else if let i = try? container.decode(Int.self) {
      self = .int(i)
    } else if let d = try? container.decode(Double.self) {
      self = .double(d)
    } else if let s = try? container.decode(String.self) {
      self = .string(s)
    } else if let a = try? container.decode([JSONValue].self) {
      self = .array(a)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  /// Parses JSON text.
  public static func parse(_ text: String) throws -> JSONValue {
    do {
      return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    } catch {
      throw NotebookError("malformed JSON: \(Self.reason(error))")
    }
  }

  private static func reason(_ error: Error) -> String {
    if case DecodingError.dataCorrupted(let context) = error {
      return (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
    }
    return "\(error)"
  }

  public subscript(key: String) -> JSONValue? {
    if case .object(let o) = self { return o[key] }
    return nil
  }

  public var string: String? { if case .string(let s) = self { return s } else { return nil } }
  public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
  public var object: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }

  /// The text, indented by `indent` spaces per level (nil: compact, as on one line), keys sorted.
  public func serialized(indent: Int? = 1) -> String {
    var out = ""
    write(into: &out, indent: indent, level: 0)
    return out
  }

  private func write(into out: inout String, indent: Int?, level: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d): out += JSONValue.number(d)
    case .string(let s): JSONValue.quote(s, into: &out)
    case .array(let items):
      guard !items.isEmpty else {
        out += "[]"
        return
      }
      out += "["
      for (k, item) in items.enumerated() {
        if k > 0 { out += indent == nil ? ", " : "," }
        newline(&out, indent, level + 1)
        item.write(into: &out, indent: indent, level: level + 1)
      }
      newline(&out, indent, level)
      out += "]"
    case .object(let members):
      guard !members.isEmpty else {
        out += "{}"
        return
      }
      out += "{"
      for (k, key) in members.keys.sorted().enumerated() {
        if k > 0 { out += indent == nil ? ", " : "," }
        newline(&out, indent, level + 1)
        JSONValue.quote(key, into: &out)
        out += ": "
        members[key]?.write(into: &out, indent: indent, level: level + 1)
      }
      newline(&out, indent, level)
      out += "}"
    }
  }

  private func newline(_ out: inout String, _ indent: Int?, _ level: Int) {
    guard let indent else { return }
    out += "\n" + String(repeating: " ", count: indent * level)
  }

  private static func number(_ d: Double) -> String {
    guard d.isFinite else { return d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity") }
    if d == d.rounded() && Swift.abs(d) < 1e16 { return String(format: "%.1f", d) }
    return "\(d)"
  }

  /// Appends `s` as a JSON string literal.
  private static func quote(_ s: String, into out: inout String) { out += EvoLang.quote(s, json: true) }
}

/// A malformed notebook or a failed notebook operation.
public struct NotebookError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
