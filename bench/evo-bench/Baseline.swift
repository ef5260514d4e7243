import Foundation

/// Runs a baseline script under a Python interpreter and reads `key=value` pairs from its last line.
struct Baseline {
  let python: String

  /// The bench/ folder (baseline scripts live in bench/torch and bench/lang).
  static let benchFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
  static let scripts = benchFolder + "/torch"

  /// Whether `import module` works in the interpreter.
  func hasModule(_ module: String) -> Bool {
    (try? run(["-c", "import \(module)"]))?.status == 0
  }

  /// Runs `script` from bench/torch with arguments; the values of its last line, or nil when it failed.
  func values(script: String, arguments: [String]) -> [String: Double]? {
    Self.values(of: python, ["\(Self.scripts)/\(script)"] + arguments)
  }

  /// `key=value` pairs of the last output line of any program (nil when it failed or is missing).
  static func values(of program: String, _ arguments: [String]) -> [String: Double]? {
    guard let (status, output) = try? run(program, arguments), status == 0,
      let last = output.split(separator: "\n").last
    else { return nil }
    var out: [String: Double] = [:]
    for pair in last.split(separator: " ") {
      let kv = pair.split(separator: "=")
      if kv.count == 2, let v = Double(kv[1]) { out[String(kv[0])] = v }
    }
    return out
  }

  private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
    try Self.run(python, arguments)
  }

  /// Runs a program found on the PATH; returns its exit status and standard output.
  static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
