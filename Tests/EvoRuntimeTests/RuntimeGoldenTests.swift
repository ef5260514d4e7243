import EvoLang
import EvoRuntime
import EvoTestSupport
import Foundation
import Testing

/// Every tensor binding, checked in Evo against values worked out by hand: the `.evo` files in `evo/`.
struct RuntimeGoldenFile: CustomTestStringConvertible, Sendable {
  let path: String
  var testDescription: String { String(path.split(separator: "/").last ?? "") }
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("evo").path
  /// The repository's stdlib/ folder.
  static let stdlib = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../stdlib")
    .standardized.path
  static func all() -> [RuntimeGoldenFile] { GoldenRunner.files(in: folder).map(RuntimeGoldenFile.init) }
}

@Suite struct RuntimeGoldenTests {
  @Test(arguments: RuntimeGoldenFile.all())
  func run(_ file: RuntimeGoldenFile) throws {
    checkGolden(try GoldenRunner.run(file.path, runtime: true, searchPaths: [RuntimeGoldenFile.stdlib]))
  }
}
