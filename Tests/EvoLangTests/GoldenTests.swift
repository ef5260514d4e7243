import EvoTestSupport
import Foundation
import Testing

@testable import EvoLang

/// The language specification as runnable examples: every `.evo` file in `lang/`.
struct GoldenFile: CustomTestStringConvertible, Sendable {
  let path: String
  var testDescription: String { String(path.split(separator: "/").suffix(2).joined(separator: "/")) }

  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("lang").path
  static func all() -> [GoldenFile] { GoldenRunner.files(in: folder).map(GoldenFile.init) }
}

@Suite struct GoldenTests {
  @Test func theSuiteIsLargeEnough() {
    #expect(GoldenFile.all().count >= 200)
  }

  @Test(arguments: GoldenFile.all())
  func run(_ file: GoldenFile) throws {
    let outcome = try GoldenRunner.run(file.path, searchPaths: [GoldenFile.folder + "/modules_use/lib"])
    checkGolden(outcome)
  }
}
