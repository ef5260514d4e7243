import EvoLang
import EvoRuntime
import EvoTestSupport
import Foundation
import Testing

/// One fenced `evo` block of docs/language.md, with the line it starts on.
struct LanguageDocExample: CustomTestStringConvertible, Sendable {
  let line: Int
  let code: String
  var testDescription: String { "docs/language.md:\(line)" }

  static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../docs/language.md").standardized.path

  /// Every ```evo block of the page.
  static func all() -> [LanguageDocExample] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    var examples: [LanguageDocExample] = []
    var current: (line: Int, lines: [String])?
    for (i, line) in text.components(separatedBy: "\n").enumerated() {
      if let block = current {
        if line.hasPrefix("```") {
          examples.append(LanguageDocExample(line: block.line, code: block.lines.joined(separator: "\n") + "\n"))
          current = nil
        } else {
          current?.lines.append(line)
        }
      } else if line == "```evo" {
        current = (i + 2, [])
      }
    }
    return examples
  }
}

/// The language reference teaches only what runs: each example runs and prints what its comments say.
@Suite struct LanguageDocTests {
  @Test func thePageHasItsExamples() {
    #expect(LanguageDocExample.all().count >= 15)
  }

  @Test(arguments: LanguageDocExample.all())
  func example(_ example: LanguageDocExample) throws {
    checkGolden(
      try GoldenRunner.run(
        text: example.code, name: example.testDescription, runtime: true, searchPaths: [RuntimeGoldenFile.stdlib]))
  }
}
