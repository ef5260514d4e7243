import EvoLang
import EvoRuntime
import Testing

/// How pictures are shown outside notebooks.
@Suite struct InlineImageTests {
  @Test func protocolIsDetectedFromTheEnvironment() {
    #expect(InlineImageProtocol.detect(["TERM": "xterm-kitty"], isTerminal: true) == .kitty)
    #expect(InlineImageProtocol.detect(["KITTY_WINDOW_ID": "3", "TERM": "xterm-256color"], isTerminal: true) == .kitty)
    #expect(InlineImageProtocol.detect(["TERM_PROGRAM": "iTerm.app"], isTerminal: true) == .iterm)
    #expect(InlineImageProtocol.detect(["TERM_PROGRAM": "WezTerm"], isTerminal: true) == .iterm)
    #expect(InlineImageProtocol.detect(["TERM": "xterm-256color"], isTerminal: true) == InlineImageProtocol.none)
    // Not a terminal: nothing inline unless asked for.
    #expect(InlineImageProtocol.detect(["TERM": "xterm-kitty"], isTerminal: false) == InlineImageProtocol.none)
    #expect(InlineImageProtocol.detect(["EVO_INLINE_IMAGES": "iterm"], isTerminal: false) == .iterm)
    #expect(
      InlineImageProtocol.detect(["EVO_INLINE_IMAGES": "none", "TERM": "xterm-kitty"], isTerminal: true)
        == InlineImageProtocol.none)
  }

  @Test func kittyChunksLongImages() {
    let png = [UInt8](repeating: 7, count: 10_000)
    let escape = InlineImageProtocol.kitty.escape(png)
    // 10,000 bytes are 13,336 base64 characters: four chunks of at most 4096, all but the last with m=1.
    #expect(escape.components(separatedBy: "\u{1B}_G").count - 1 == 4)
    #expect(escape.hasPrefix("\u{1B}_Ga=T,f=100,m=1;"))
    #expect(escape.contains("\u{1B}_Gm=0;"))
    #expect(InlineImageProtocol.none.escape(png).isEmpty)
  }
}
