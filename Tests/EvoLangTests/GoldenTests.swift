import Foundation
import Testing
@testable import EvoLang

/// The language specification as runnable examples (Crafting Interpreters style): every `.evo` file in
/// `lang/` runs, and its printed lines must equal its `# expect: ...` comments in order; a file with
/// `# expect error: TEXT` must fail with an error whose message contains TEXT, located on that line.
struct GoldenFile: CustomTestStringConvertible, Sendable {
  let path: String
  var testDescription: String { String(path.split(separator: "/").suffix(2).joined(separator: "/")) }

  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("lang").path

  static func all() -> [GoldenFile] {
    let files = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []
    return files.filter { $0.hasSuffix(".evo") && !$0.contains("/lib/") }.sorted().map { GoldenFile(path: folder + "/" + $0) }
  }
}

@Suite struct GoldenTests {
  @Test func theSuiteIsLargeEnough() {
    #expect(GoldenFile.all().count >= 200)
  }

  @Test(arguments: GoldenFile.all())
  func run(_ file: GoldenFile) throws {
    let text = try String(contentsOfFile: file.path, encoding: .utf8)
    var expected: [String] = []
    var expectedError: (line: Int, text: String)?
    for (i, line) in text.components(separatedBy: "\n").enumerated() {
      if let r = line.range(of: "# expect: ") { expected.append(String(line[r.upperBound...])) }
      if let r = line.range(of: "# expect error: ") { expectedError = (i + 1, String(line[r.upperBound...])) }
    }
    let vm = Interpreter()
    vm.stepBudget = 5_000_000
    vm.searchPaths = [GoldenFile.folder + "/modules_use/lib"]
    var output = ""
    vm.output = { output += $0 }
    var failure: EvoError?
    do {
      try LargeStack.run { try vm.run(SourceFile(name: file.path, text: text)) }
    } catch let e as EvoError {
      failure = e
    }
    let lines = output.isEmpty ? [] : output.components(separatedBy: "\n").dropLast().map { $0 }
    #expect(lines == expected, "printed output differs")
    if let expectedError {
      let e = try #require(failure, "expected an error containing '\(expectedError.text)'")
      #expect(e.rendered().contains(expectedError.text), "error was: \(e.rendered())")
      if let span = e.span {
        #expect(span.source.location(of: span.start).line == expectedError.line, "error at \(span.description), expected line \(expectedError.line)")
      }
    } else if let failure {
      Issue.record("unexpected error: \(failure.rendered())")
    }
  }
}
