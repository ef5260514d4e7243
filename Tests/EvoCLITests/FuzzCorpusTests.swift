import Foundation
import Testing

/// Every input in Tests/fuzz-corpus/TARGET (the issue #14 reproductions and each crash the fuzzer found)
/// replayed through `evo-fuzz TARGET`: each must end without a crash.
@Suite struct FuzzCorpusTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fuzz-corpus").path

  static var targets: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).sorted()
  }

  @Test func theCorpusCoversEveryReader() {
    #expect(Set(Self.targets).isSuperset(of: ["runtime", "graph-json", "safetensors", "idx", "percent", "ipynb"]))
  }

  @Test(arguments: targets)
  func replays(_ target: String) throws {
    let folder = Self.corpus + "/" + target
    let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { folder + "/" + $0 }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: evoPath).deletingLastPathComponent().appendingPathComponent("evo-fuzz")
    process.arguments = [target] + files
    process.environment = ProcessInfo.processInfo.environment.merging(["EVO_MEMORY_LIMIT": "1G"]) { $1 }
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(target): \(text)")
    #expect(text.contains("ran \(files.count) inputs"))
  }
}
