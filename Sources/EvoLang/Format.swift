import Foundation

/// Formats a number as Evo prints it: integers without a decimal point, others with up to 15
/// significant digits (shortest form that reads back the same when possible).
public func formatNumber(_ n: Double) -> String {
  if n.isNaN { return "nan" }
  if n.isInfinite { return n > 0 ? "inf" : "-inf" }
  if n == n.rounded(), abs(n) < 1e16 { return String(Int64(n)) }
  let short = "\(n)"
  if short.contains("e") {
    let parts = short.split(separator: "e")
    return "\(parts[0])e\(parts[1])"
  }
  return short
}

extension Value {
  /// The text `print` shows: strings bare, everything else as in `repr`.
  public var text: String {
    switch self {
    case .string(let s): return s
    case .number(let n): return formatNumber(n)
    default: return repr
    }
  }

  /// How deep containers are compared and printed; deeper ones print as `[...]` and compare as a
  /// `RecursionError`, so no input can overflow the stack of any thread.
  public static let nestingLimit = 500

  /// The text a REPL shows for a value: strings quoted, containers recursively (a container inside
  /// itself, or nested beyond `nestingLimit`, as `[...]`). Linear in the size of the text.
  public var repr: String {
    var visited = Set<ObjectIdentifier>()
    var out = ""
    writeRepr(to: &out, &visited)
    return out
  }

  private func writeRepr(to out: inout String, _ visited: inout Set<ObjectIdentifier>) {
    /// Writes a container's items between `open` and `close` unless it is already being written.
    func container(
      _ object: AnyObject, _ open: String, _ close: String, _ elided: String,
      _ body: (inout String, inout Set<ObjectIdentifier>) -> Void
    ) {
      guard visited.count < Value.nestingLimit, visited.insert(ObjectIdentifier(object)).inserted else {
        out += elided
        return
      }
      out += open
      body(&out, &visited)
      out += close
      visited.remove(ObjectIdentifier(object))
    }
    switch self {
    case .null, .undefined: out += "nil"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let n): out += formatNumber(n)
    case .string(let s): out += quote(s)
    case .list(let l):
      container(l, "[", "]", "[...]") { out, visited in
        for (i, item) in l.items.enumerated() {
          if i > 0 { out += ", " }
          item.writeRepr(to: &out, &visited)
        }
      }
    case .dict(let d):
      container(d, "{", "}", "{...}") { out, visited in
        for (i, (key, value)) in zip(d.keys, d.values).enumerated() {
          if i > 0 { out += ", " }
          key.value.writeRepr(to: &out, &visited)
          out += ": "
          value.writeRepr(to: &out, &visited)
        }
      }
    case .range(let r):
      out += "range(\(formatNumber(r.start)), \(formatNumber(r.end))\(r.step == 1 ? "" : ", " + formatNumber(r.step)))"
    case .closure(let c): out += "<fn \(c.proto.signature)>"
    case .builtin(let f): out += "<builtin \(f.signature)>"
    case .boundMethod(let m):
      out += "<bound method "
      m.method.writeRepr(to: &out, &visited)
      out += " of \(m.receiver.typeName)>"
    case .klass(let k): out += "<class \(k.name)>"
    case .instance(let i):
      container(i, "\(i.klass.name)(", ")", "\(i.klass.name)(...)") { out, visited in
        var first = true
        for name in i.fieldNames {
          guard let value = i.field(name) else { continue }
          out += first ? "\(name): " : ", \(name): "
          first = false
          value.writeRepr(to: &out, &visited)
        }
      }
    case .native(let n): out += n.nativeType.describe(n)
    case .module(let m): out += "<module \(m.name)>"
    case .cell(let c): c.value.writeRepr(to: &out, &visited)
    }
  }
}

/// A string literal with escapes, as the REPL shows strings; with `json`, also `\b`, `\f` and `\u00XX` for the
/// other control characters, as JSON requires. Works on UTF-8 bytes (every escaped character is ASCII), so
/// quoting is linear and fast even for strings of many megabytes.
public func quote(_ s: String, json: Bool = false) -> String {
  var bytes: [UInt8] = [0x22]
  bytes.reserveCapacity(s.utf8.count + 2)
  for byte in s.utf8 {
    switch byte {
    case 0x22: bytes += [0x5C, 0x22]
    case 0x5C: bytes += [0x5C, 0x5C]
    case 0x0A: bytes += [0x5C, 0x6E]
    case 0x09: bytes += [0x5C, 0x74]
    case 0x0D: bytes += [0x5C, 0x72]
    case 0x08 where json: bytes += [0x5C, 0x62]
    case 0x0C where json: bytes += [0x5C, 0x66]
    case ..<0x20 where json: bytes += Array(String(format: "\\u%04x", byte).utf8)
    default: bytes.append(byte)
    }
  }
  bytes.append(0x22)
  return String(decoding: bytes, as: UTF8.self)
}
