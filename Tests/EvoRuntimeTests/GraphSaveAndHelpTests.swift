import EvoLang
import EvoRuntime
import EvoTestSupport
import Foundation
import Testing

/// Runs Evo code with the runtime installed; returns the printed lines and the error, if any.
private func runEvo(_ code: String) throws -> GoldenRunner.Outcome {
  try GoldenRunner.run(text: code, name: "<test>", runtime: true, searchPaths: [RuntimeGoldenFile.stdlib])
}

/// `g.save(path)` writes the format its extension names (it once wrote PNG bytes into `.json` files).
@Suite struct GraphSaveTests {
  private func folder() throws -> String {
    let dir = NSTemporaryDirectory() + "evo-graph-save-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test func jsonAndDotAreTextThatReadsBack() throws {
    let dir = try folder()
    let outcome = try runEvo(
      """
      let g = layers.evonorm_b0
      g.save("\(dir)/b0.json")
      g.save("\(dir)/b0.dot")
      print(g.json)
      print(g.dot)
      """)
    #expect(outcome.error == nil)
    let json = try String(contentsOfFile: "\(dir)/b0.json", encoding: .utf8)
    let dot = try String(contentsOfFile: "\(dir)/b0.dot", encoding: .utf8)
    #expect(json.hasPrefix("{"))
    #expect(dot.hasPrefix("digraph"))
    #expect(outcome.printed.first == json)
    #expect(outcome.printed.dropFirst().joined(separator: "\n") == dot)
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/dot"))) func pngAndSvgArePictures() throws {
    let dir = try folder()
    let outcome = try runEvo("layers.evonorm_b0.save(\"\(dir)/b0.png\")\nlayers.evonorm_b0.save(\"\(dir)/b0.svg\")")
    #expect(outcome.error == nil)
    let png = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/b0.png"))
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let svg = try String(contentsOfFile: "\(dir)/b0.svg", encoding: .utf8)
    #expect(svg.contains("<svg"))
  }

  @Test func anUnknownExtensionIsRefusedAndNothingIsWritten() throws {
    let dir = try folder()
    let outcome = try runEvo("layers.evonorm_b0.save(\"\(dir)/b0.txt\")")
    #expect(outcome.error?.message.contains("end the name with .png, .svg, .json or .dot") == true)
    #expect(!FileManager.default.fileExists(atPath: "\(dir)/b0.txt"))
  }
}

/// `help` on a layer graph says what its properties mean.
@Suite struct GraphHelpTests {
  @Test func hashAndFingerprintAreExplained() throws {
    let outcome = try runEvo("help(layers.evonorm_b0)")
    let text = outcome.printed.joined(separator: "\n")
    let hash = try #require(outcome.printed.first { $0.contains(".hash") })
    #expect(hash.contains("structure"), "\(text)")
    let fingerprint = try #require(outcome.printed.first { $0.contains(".fingerprint") })
    #expect(fingerprint.contains("function"), "\(text)")
    #expect(text.contains(".layer(channels, groups = 32"))
  }

  @Test func stdlibFunctionsShowTheirDefaultsAndComments() throws {
    let outcome = try runEvo("import plot\nhelp(plot.lines)")
    #expect(
      outcome.printed.first
        == "lines(curves, title = nil, xlabel = nil, ylabel = nil, log_y = false, width = 640, height = 420)")
    #expect(outcome.printed.dropFirst().first?.hasPrefix("  Curves by name:") == true, "\(outcome.printed)")
  }
}
