import Foundation

extension Interpreter {
  /// Loads `name.evo` once: from `directory` (the importing file's folder), then the search paths.
  func importModule(_ name: String, from directory: String?) throws -> Module {
    if let m = modules[name] { return m }
    guard !loading.contains(name) else { throw EvoError(.import, "circular import of module '\(name)'") }
    let folders = (directory.map { [$0] } ?? []) + searchPaths
    guard let path = folders.map({ "\($0)/\(name).evo" }).first(where: { FileManager.default.fileExists(atPath: $0) })
    else {
      let looked = folders.isEmpty ? "no folders" : folders.joined(separator: ", ")
      throw EvoError(
        .import, "no module named '\(name)' (looked in \(looked))",
        hint: "EVO_PATH adds folders to look in (separated by ':'); EVO_STDLIB names the standard library's folder")
    }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw EvoError(.import, "cannot read \(path) as UTF-8 text")
    }
    loading.insert(name)
    defer { loading.remove(name) }
    let module = Module(name: name, path: path)
    try run(SourceFile(name: path, text: text), in: module)
    modules[name] = module
    return module
  }

  /// Forgets every loaded module and the main module's globals (the REPL's `:reset`).
  public func reset() {
    modules = [:]
    main.undefineAll()
  }
}
