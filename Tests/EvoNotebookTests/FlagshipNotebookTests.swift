import Foundation
import Testing

@testable import EvoNotebook

/// Every notebook in notebooks/ runs in quick mode without errors and produces a valid notebook.
@Suite struct FlagshipNotebookTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "../../notebooks"
  ).standardized.path

  static func notebooks() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".evo") }.sorted()
  }

  @Test func thereAreFlagshipNotebooks() {
    #expect(Self.notebooks().contains("01-tour.evo"))
    #expect(Self.notebooks().contains("02-layers.evo"))
    #expect(Self.notebooks().contains("03-training.evo"))
  }

  @Test(arguments: notebooks())
  func runsInQuickMode(_ name: String) throws {
    let path = "\(Self.folder)/\(name)"
    let notebook = try PercentFormat.parse(try String(contentsOfFile: path, encoding: .utf8))
    #expect(notebook.cells.contains { $0.tags.contains("parameters") }, "\(name) has no parameters cell")
    var options = NotebookRunner.Options()
    options.parameters = [("quick", "true")]
    let (result, ok) = try NotebookRunner(options: options).run(notebook, path: path)
    let errors = result.cells.flatMap(\.outputs).filter { $0["output_type"]?.string == "error" }
    #expect(ok, "\(name): \(errors.map { $0["traceback"]?.array?.compactMap(\.string).joined(separator: "\n") ?? "" })")
    #expect(
      result.cells.flatMap(\.outputs).contains { $0["output_type"]?.string == "display_data" },
      "\(name) shows no picture")
    let python = try #require(NotebookValidator.pythonWithNbformat(), "nbformat is not importable")
    let out = NSTemporaryDirectory() + "evo-flagship-\(UUID().uuidString).ipynb"
    try IPYNBFormat.write(result).write(toFile: out, atomically: true, encoding: .utf8)
    let message = try NotebookValidator.validate(out, python: python)
    #expect(message == nil, "\(name): \(message ?? "")")
    let html = HTMLReport.render(result, title: name)
    #expect(html.contains("<img ") && html.hasPrefix("<!DOCTYPE html>"))
  }
}
