import EvoLang
import EvoTensor

/// Safetensors checkpoints: dicts of tensors with string metadata.
enum CheckpointFunctions {
  static var all: [NativeFunction] {
    [
      NativeFunction(
        "save_tensors", [p("path"), p("tensors"), p("metadata", .null)],
        doc: "Writes a dict of tensors (and an optional dict of string metadata) as a safetensors checkpoint."
      ) { a in
        let named = try Convert.namedTensors(a[1], "save_tensors")
        var metadata: [String: String] = [:]
        switch a[2] {
        case .null: break
        case .dict(let m):
          for (k, v) in zip(m.keys, m.values) {
            guard case .string(let name) = k.value, case .string(let text) = v else {
              throw EvoError(.type, "save_tensors(): metadata must map strings to strings")
            }
            metadata[name] = text
          }
        default: throw EvoError(.type, "save_tensors(): metadata must be a dict of strings, not \(a[2].typeName)")
        }
        try Safetensors.save(named, metadata: metadata, to: a.string(0))
        return .null
      },
      NativeFunction("load_metadata", [p("path")], doc: "The string metadata of a safetensors checkpoint, as a dict.") {
        a in
        let d = DictObject()
        for (name, text) in try Safetensors.load(path: a.string(0)).metadata.sorted(by: { $0.key < $1.key }) {
          d[.string(name)] = .string(text)
        }
        return .dict(d)
      },
      NativeFunction("load_tensors", [p("path")], doc: "Reads a safetensors checkpoint as a dict of name: tensor.") {
        a in
        .tensorDict(try Safetensors.load(path: a.string(0)).tensors)
      },
    ]
  }
}
