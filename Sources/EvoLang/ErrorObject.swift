/// A caught run-time error as Evo code sees it in `catch e`: `e.kind` (`"ShapeError"`), `e.message`,
/// `e.line` and `e.file`; printed as `Kind: message`. A value thrown with `throw` is caught as itself.
final class ErrorObject: NativeObject {
  let error: EvoError
  init(_ error: EvoError) { self.error = error }
  var nativeType: NativeType { Self.type }

  static let type: NativeType = {
    let t = NativeType(name: "error", doc: "A caught error: .kind, .message, .line, .file.") { object in
      guard let e = (object as? ErrorObject)?.error else { return "<error>" }
      return "\(e.kind.rawValue): \(e.message)"
    }
    func property(_ name: String, _ get: @escaping (EvoError) -> Value) {
      t.properties[name] = (get: { object in (object as? ErrorObject).map { get($0.error) } ?? .null }, set: nil)
    }
    property("kind") { .string($0.kind.rawValue) }
    property("message") { .string($0.message) }
    property("line") { e in e.span.map { .number(Double($0.source.location(of: $0.start).line)) } ?? .null }
    property("file") { e in e.span.map { .string($0.source.name) } ?? .null }
    return t
  }()
}
