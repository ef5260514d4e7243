import Testing

@testable import EvoNotebook

@Suite struct IPYNBTests {
  @Test func jsonIsWrittenAsPythonsJsonDumpsIndentOneSortKeys() {
    let value = JSONValue.object([
      "b": .array([.int(1), .double(2.5), .double(3), .null]), "a": .string("é\"\n\u{01}"), "c": .object([:]),
      "d": .array([]),
      "e": .bool(true),
    ])
    // json.dumps(v, indent=1, sort_keys=True, ensure_ascii=False) in CPython.
    let expected =
      "{\n \"a\": \"é\\\"\\n\\u0001\",\n \"b\": [\n  1,\n  2.5,\n  3.0,\n  null\n ],\n \"c\": {},\n \"d\": [],\n \"e\": true\n}"
    #expect(value.serialized(indent: 1) == expected)
    #expect(JSONValue.array([.string("a"), .int(2)]).serialized(indent: nil) == "[\"a\", 2]")
  }

  @Test func strictParsing() throws {
    #expect(
      try JSONValue.parse("[1, 1.5, true, \"x\", null]")
        == .array([.int(1), .double(1.5), .bool(true), .string("x"), .null]))
    #expect(throws: NotebookError.self) { try JSONValue.parse("{\"a\": }") }
  }

  @Test func roundTripThroughIPYNB() throws {
    var nb = try PercentFormat.parse(
      "# %% tags=[\"parameters\"]\nlet q = 1\n\n# %% [markdown]\n# hi\n# there\n\n# %%\nprint(q)\n")
    nb.cells[2].outputs = [
      .object(["output_type": .string("stream"), "name": .string("stdout"), "text": .array([.string("1\n")])])
    ]
    nb.cells[2].executionCount = 1
    let text = IPYNBFormat.write(nb)
    let back = try IPYNBFormat.parse(text)
    #expect(back.cells.map(\.source) == nb.cells.map(\.source))
    #expect(back.cells.map(\.metadata) == nb.cells.map(\.metadata))
    #expect(back.cells[2].outputs == nb.cells[2].outputs)
    #expect(back.cells[2].executionCount == 1)
    #expect(back.metadata["kernelspec"]?["name"] == .string("evo"))
    #expect(back.metadata["language_info"]?["name"] == .string("evo"))
    // Ids are made once and kept.
    #expect(back.cells.allSatisfy { $0.id != nil })
    #expect(IPYNBFormat.write(back) == text)
    // Sources are stored as lines that keep their newlines.
    #expect(text.contains("\"hi\\n\",\n    \"there\""))
  }

  @Test func malformedNotebooksAreErrors() {
    for text in [
      "[]", "{\"nbformat\": 3, \"cells\": []}", "{\"nbformat\": 4}",
      "{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"x\", \"source\": \"\"}]}",
    ] {
      #expect(throws: NotebookError.self, "\(text)") { try IPYNBFormat.parse(text) }
    }
  }
}
