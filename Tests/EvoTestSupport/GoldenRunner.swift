import EvoLang
import EvoRuntime
import Foundation
import Testing

/// Runs `.evo` files whose expected output sits in trailing comments (Crafting Interpreters style):
/// `# expect: TEXT` lines give the printed lines in order; `# expect error: TEXT` says the run fails
/// with an error containing TEXT located on that line.
public enum GoldenRunner {
  /// The outcome of one file, ready for assertions.
  public struct Outcome {
    public let printed: [String]
    public let expected: [String]
    public let expectedError: (line: Int, text: String)?
    public let error: EvoError?
  }

  /// The `.evo` files below `folder` (skipping folders named `lib`, which hold imported modules).
  public static func files(in folder: String) -> [String] {
    let names = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []
    return names.filter { $0.hasSuffix(".evo") && !$0.contains("lib/") }.sorted().map { folder + "/" + $0 }
  }

  /// Runs a file in a fresh session (the bare language unless `runtime`), importing from `searchPaths`
  /// first, with a step budget against hangs.
  public static func run(_ path: String, runtime: Bool = false, searchPaths: [String] = []) throws -> Outcome {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try run(text: text, name: path, runtime: runtime, searchPaths: searchPaths)
  }

  /// Runs Evo code with `# expect:` comments (a file's text, or an example taken from a document).
  public static func run(
    text: String, name: String, runtime: Bool = false, searchPaths: [String] = []
  ) throws -> Outcome {
    var expected: [String] = []
    var expectedError: (line: Int, text: String)?
    for (i, line) in text.components(separatedBy: "\n").enumerated() {
      if let r = line.range(of: "# expect: ") { expected.append(String(line[r.upperBound...])) }
      if let r = line.range(of: "# expect error: ") { expectedError = (i + 1, String(line[r.upperBound...])) }
    }
    let session = Session(searchPaths: searchPaths, runtime: runtime)
    session.interpreter.stepBudget = 5_000_000
    let output = OutputBuffer()
    session.interpreter.output = { output.text += $0 }
    var failure: EvoError?
    if case .failure(let e) = session.run(SourceFile(name: name, text: text)) { failure = e }
    let printed = output.text.isEmpty ? [] : Array(output.text.components(separatedBy: "\n").dropLast())
    return Outcome(printed: printed, expected: expected, expectedError: expectedError, error: failure)
  }

  private final class OutputBuffer: @unchecked Sendable { var text = "" }
}

/// Asserts a golden file's printed lines and its expected error (message and line).
public func checkGolden(_ o: GoldenRunner.Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(o.printed == o.expected, "printed output differs", sourceLocation: sourceLocation)
  if let expectedError = o.expectedError {
    guard let e = o.error else {
      Issue.record("expected an error containing '\(expectedError.text)'", sourceLocation: sourceLocation)
      return
    }
    #expect(e.rendered().contains(expectedError.text), "error was: \(e.rendered())", sourceLocation: sourceLocation)
    if let span = e.span {
      #expect(
        span.source.location(of: span.start).line == expectedError.line,
        "error at \(span.description), expected line \(expectedError.line)", sourceLocation: sourceLocation)
    }
  } else if let e = o.error {
    Issue.record("unexpected error: \(e.rendered())", sourceLocation: sourceLocation)
  }
}
