extension Interpreter {
  /// The text `help(x)` and `?x` show: signature and documentation.
  public func helpText(for value: Value) -> String {
    switch value {
    case .builtin(let f): return f.signature + (f.doc.isEmpty ? "" : "\n  " + f.doc)
    case .closure(let c): return c.proto.signature + (c.proto.doc.map { "\n  " + $0 } ?? "")
    case .boundMethod(let m): return helpText(for: m.method)
    case .klass(let k):
      var text = "class \(k.name)" + (k.superclass.map { ": \($0.name)" } ?? "") + (k.doc.map { "\n  " + $0 } ?? "")
      for name in k.allMethodNames { if let m = k.findMethod(name) { text += "\n  \(m.proto.signature)" } }
      return text
    case .native(let n):
      var text = n.nativeType.name + (n.nativeType.doc.isEmpty ? "" : "\n  " + n.nativeType.doc)
      let type = n.nativeType
      for name in type.memberNames {
        text += "\n  ." + (type.methods[name]?.signature ?? name) + (type.propertyDocs[name].map { " — " + $0 } ?? "")
      }
      return text
    case .module(let m): return "module \(m.name): " + m.definedNames.joined(separator: ", ")
    case .null:
      return "Evo builtins: " + builtinIndex.keys.sorted().joined(separator: ", ")
        + "\nhelp(x) or ?x shows a function's signature and documentation."
    default:
      return "\(value.typeName) value: \(value.repr)"
        + (Builtins.methodNames(of: value).isEmpty
          ? "" : "\nmethods: " + Builtins.methodNames(of: value).joined(separator: ", "))
    }
  }

  /// Help for a name typed as `?name` (a builtin constant's doc when it has one).
  public func helpText(forName name: String) -> String {
    if name.contains("."), let v = resolveDotted(name) { return helpText(for: v) }
    if let v = lookup(name) {
      if let doc = builtinDocs[name] { return "\(name): \(doc)" }
      return helpText(for: v)
    }
    return "no such name '\(name)'" + (suggestion(for: name, among: globalNames).map { "; \($0)" } ?? "")
  }
}
