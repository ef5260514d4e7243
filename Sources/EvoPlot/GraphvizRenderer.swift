import Foundation

/// Lays out and renders Graphviz DOT text to PNG with the `dot` program (Debian's `graphviz`).
public enum GraphvizRenderer {
  /// The `dot` executable: `$EVO_DOT`, else the first `dot` on `PATH`, else `/usr/bin/dot`.
  static var executable: String? {
    let environment = ProcessInfo.processInfo.environment
    if let explicit = environment["EVO_DOT"], FileManager.default.isExecutableFile(atPath: explicit) { return explicit }
    let directories = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
    return directories.map { $0 + "/dot" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Whether Graphviz is installed.
  public static var isAvailable: Bool { executable != nil }

  /// The PNG bytes of the DOT graph at `dpi` dots per inch.
  public static func png(dot: String, dpi: Int = 96) throws -> [UInt8] {
    try render(dot: dot, format: "png", dpi: dpi)
  }

  /// The DOT graph rendered by `dot -T<format>` (`png`, `svg`, `pdf`, ...).
  public static func render(dot: String, format: String, dpi: Int = 96) throws -> [UInt8] {
    guard let executable else { throw PlotError("Graphviz is not installed (apt-get install graphviz)") }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evo-dot-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let source = directory.appendingPathComponent("graph.dot")
    let target = directory.appendingPathComponent("graph.\(format)")
    try Data(dot.utf8).write(to: source)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["-T\(format)", "-Gdpi=\(dpi)", source.path, "-o", target.path]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let data = try? Data(contentsOf: target) else {
      throw PlotError(
        "dot failed: \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
    }
    return [UInt8](data)
  }
}
