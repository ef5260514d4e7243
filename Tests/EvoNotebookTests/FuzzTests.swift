import Testing

@testable import EvoNotebook

/// Random text never crashes the readers: it parses or gives a NotebookError.
@Suite struct NotebookFuzzTests {
  /// A xorshift generator, so failures reproduce.
  struct Random {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Int(state % UInt64(bound))
    }
  }

  static let fragments = [
    "# %%", "# %% [markdown]", "# %% [raw]", "# %% [bogus]", " tags=[\"parameters\"]", " key=\"v\"", " x=",
    " y={\"a\": [1, 2]}",
    "\n", "\r\n", "# text", "#", "let a = 1", "print(a)", " ", "\"", "[", "]", "{", "}", "=", "é", "%%%", "\t",
  ]

  @Test func percentFormatParsesOrFailsCleanly() {
    var rng = Random(state: 0x9E37_79B9_7F4A_7C15)
    var parsed = 0
    for _ in 0..<3000 {
      var text = ""
      for _ in 0..<rng.next(30) { text += Self.fragments[rng.next(Self.fragments.count)] }
      do {
        let nb = try PercentFormat.parse(text)
        parsed += 1
        // Whatever parsed writes back to text that parses to the same sources.
        let again = try PercentFormat.parse(PercentFormat.write(nb))
        #expect(again.cells.map(\.source) == nb.cells.map(\.source), "\(text.debugDescription)")
      } catch is NotebookError {
      } catch {
        Issue.record("unexpected error \(error) for \(text.debugDescription)")
      }
    }
    #expect(parsed > 1000)
  }

  @Test func ipynbReaderParsesOrFailsCleanly() {
    var rng = Random(state: 42)
    let pieces = [
      "{", "}", "[", "]", "\"cells\"", "\"nbformat\"", ":", ",", "4", "\"source\"", "\"cell_type\"", "\"code\"", "null",
      "\"x\"", "5",
    ]
    for _ in 0..<3000 {
      var text = ""
      for _ in 0..<rng.next(40) { text += pieces[rng.next(pieces.count)] }
      do {
        _ = try IPYNBFormat.parse(text)
      } catch is NotebookError {
      } catch {
        Issue.record("unexpected error \(error) for \(text)")
      }
    }
  }
}
