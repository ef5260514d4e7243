import Testing

@testable import EvoNotebook

@Suite struct PercentFormatTests {
  /// Issue #14: 300,000 leading blank lines took 33 s to parse (quadratic trimming); the first line of the
  /// cell's code is still counted right.
  @Test func manyBlankLinesParseInLinearTime() throws {
    let nb = try PercentFormat.parse("# %%" + String(repeating: "\n", count: 300_000) + "print(1)\n\n\n")
    #expect(nb.cells.count == 1)
    #expect(nb.cells[0].source == "print(1)")
    #expect(nb.cells[0].firstLine == 300_001)
  }

  @Test func markersTitlesMetadataAndMarkdown() throws {
    let text = """
      let setup = 1

      # %% Load the data tags=["parameters"] slow=true
      let quick = false

      # %% [markdown]
      # # Heading
      #
      # Some *text*.
      # %%
      print(1)
      """
    let nb = try PercentFormat.parse(text)
    #expect(nb.cells.map(\.kind) == [.code, .code, .markdown, .code])
    #expect(nb.cells[0].source == "let setup = 1")
    #expect(nb.cells[1].source == "let quick = false")
    #expect(nb.cells[1].metadata["title"] == .string("Load the data"))
    #expect(nb.cells[1].tags == ["parameters"])
    #expect(nb.cells[1].metadata["slow"] == .bool(true))
    #expect(nb.cells[2].source == "# Heading\n\nSome *text*.")
    #expect(nb.cells[3].source == "print(1)")
    // Cells know where their text starts in the file, for tracebacks.
    #expect(nb.cells[1].firstLine == 4)
    #expect(nb.cells[3].firstLine == 11)
  }

  @Test func crlfAndMissingFinalNewline() throws {
    let nb = try PercentFormat.parse("# %%\r\nlet a = 1\r\nlet b = 2\r\n# %% [markdown]\r\n# hi")
    #expect(nb.cells.map(\.source) == ["let a = 1\nlet b = 2", "hi"])
  }

  @Test func emptyCellsAndNoMarkers() throws {
    let empty = try PercentFormat.parse("# %%\n# %%\n\n# %%\nx\n")
    #expect(empty.cells.map(\.source) == ["", "", "x"])
    let script = try PercentFormat.parse("let x = 1\nprint(x)\n")
    #expect(script.cells.count == 1 && script.cells[0].source == "let x = 1\nprint(x)")
    #expect(try PercentFormat.parse("").cells.isEmpty)
    #expect(try PercentFormat.parse("\n\n# %%\n1").cells.count == 1)
  }

  @Test func nearMissesAreNotMarkers() throws {
    let nb = try PercentFormat.parse("# %%\n# %%% not a marker\n#%% nor this\nx")
    #expect(nb.cells.count == 1)
    #expect(nb.cells[0].source == "# %%% not a marker\n#%% nor this\nx")
  }

  @Test func badMetadataIsAnError() {
    #expect(throws: NotebookError.self) { try PercentFormat.parse("# %% tags=[\"a\"\nx") }
    #expect(throws: NotebookError.self) { try PercentFormat.parse("# %% [python]\nx") }
  }

  @Test func writeThenParseKeepsSourcesAndMetadata() throws {
    let text = """
      # %% Setup tags=["parameters"]
      let quick = false

      # %% [markdown] key="value"
      # # Title
      #
      # text

      # %%
      print("a")

      # %% [raw]
      raw text
      """
    let nb = try PercentFormat.parse(text)
    let again = try PercentFormat.parse(PercentFormat.write(nb))
    #expect(again.cells.map(\.source) == nb.cells.map(\.source))
    #expect(again.cells.map(\.metadata) == nb.cells.map(\.metadata))
    #expect(again.cells.map(\.kind) == nb.cells.map(\.kind))
    #expect(PercentFormat.write(again) == PercentFormat.write(nb))
  }
}
