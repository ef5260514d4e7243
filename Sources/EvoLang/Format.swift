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

  /// The text a REPL shows for a value: strings quoted, containers recursively.
  public var repr: String {
    var visited = Set<ObjectIdentifier>()
    return repr(&visited)
  }

  private func repr(_ visited: inout Set<ObjectIdentifier>) -> String {
    switch self {
    case .null, .undefined: return "nil"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return formatNumber(n)
    case .string(let s): return quote(s)
    case .list(let l):
      guard visited.insert(ObjectIdentifier(l)).inserted else { return "[...]" }
      defer { visited.remove(ObjectIdentifier(l)) }
      return "[" + l.items.map { $0.repr(&visited) }.joined(separator: ", ") + "]"
    case .dict(let d):
      guard visited.insert(ObjectIdentifier(d)).inserted else { return "{...}" }
      defer { visited.remove(ObjectIdentifier(d)) }
      return "{" + zip(d.keys, d.values).map { "\($0.value.repr(&visited)): \($1.repr(&visited))" }.joined(separator: ", ") + "}"
    case .range(let r):
      return "range(\(formatNumber(r.start)), \(formatNumber(r.end))\(r.step == 1 ? "" : ", " + formatNumber(r.step)))"
    case .closure(let c): return "<fn \(c.proto.signature)>"
    case .builtin(let f): return "<builtin \(f.signature)>"
    case .boundMethod(let m): return "<bound method \(m.method.repr(&visited)) of \(m.receiver.typeName)>"
    case .klass(let k): return "<class \(k.name)>"
    case .instance(let i):
      guard visited.insert(ObjectIdentifier(i)).inserted else { return "\(i.klass.name)(...)" }
      defer { visited.remove(ObjectIdentifier(i)) }
      let fields = i.fieldNames.compactMap { name in i.field(name).map { "\(name): \($0.repr(&visited))" } }
      return "\(i.klass.name)(\(fields.joined(separator: ", ")))"
    case .native(let n): return n.nativeType.describe(n)
    case .module(let m): return "<module \(m.name)>"
    case .cell(let c): return c.value.repr(&visited)
    }
  }
}

/// A string literal with escapes, as the REPL shows strings.
func quote(_ s: String) -> String {
  var out = "\""
  for ch in s.unicodeScalars {
    switch ch {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\t": out += "\\t"
    case "\r": out += "\\r"
    default: out.unicodeScalars.append(ch)
    }
  }
  return out + "\""
}
