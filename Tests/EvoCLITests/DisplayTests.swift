import Foundation
import Testing

/// Pictures shown outside notebooks: PNG files under evo-out/, inline escapes on request.
@Suite struct DisplayTests {
  @Test func figuresAreWrittenUnderEvoOutWithoutOverwriting() throws {
    let dir = try scratchDirectory()
    let first = try evo(["-e", "figure()"], directory: dir, environment: ["EVO_INLINE_IMAGES": "none"])
    let second = try evo(["-e", "layers.evonorm_b0"], directory: dir, environment: ["EVO_INLINE_IMAGES": "none"])
    #expect(first.status == 0 && second.status == 0, "\(first.err) \(second.err)")
    #expect(first.out == "[picture: evo-out/figure-1.png]\n")
    #expect(second.out == "[picture: evo-out/figure-2.png]\n")
    for name in ["figure-1.png", "figure-2.png"] {
      let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/evo-out/\(name)"))
      #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name) is not a PNG")
    }
  }

  @Test func kittyAndITermEscapesOnRequest() throws {
    let dir = try scratchDirectory()
    let kitty = try evo(
      ["-e", "figure(width: 100, height: 80)"], directory: dir, environment: ["EVO_INLINE_IMAGES": "kitty"])
    #expect(kitty.out.hasPrefix("\u{1B}_Ga=T,f=100,"))
    #expect(kitty.out.contains("\u{1B}\\"))
    let iterm = try evo(
      ["-e", "figure(width: 100, height: 80)"], directory: dir, environment: ["EVO_INLINE_IMAGES": "iterm"])
    #expect(iterm.out.hasPrefix("\u{1B}]1337;File=inline=1;size="))
    #expect(iterm.out.hasSuffix("[picture: evo-out/figure-2.png]\n"))
    let option = try evo(
      ["--inline-images", "kitty", "-e", "figure(width: 100, height: 80)"], directory: dir,
      environment: ["EVO_INLINE_IMAGES": "none"])
    #expect(option.out.hasPrefix("\u{1B}_Ga=T,f=100,"))
    #expect(try evo(["--inline-images", "sixel", "-e", "1"], directory: dir).status != 0)
  }
}
