import Foundation
import Testing

/// `evo gan sample`: a grid from a checkpoint of a tiny seeded run, byte-identical for the same seed.
@Suite struct GanCommandTests {
  static let stdlib = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../stdlib")
    .standardized.path

  /// Width and height from a PNG's IHDR chunk.
  func pngSize(_ path: String) throws -> (width: Int, height: Int) {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    try #require(data.count > 24 && data[12..<16] == Data("IHDR".utf8), "\(path) is not a PNG")
    let be = { (at: Int) in data[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
    return (be(16), be(20))
  }

  @Test func samplesAGridFromACheckpoint() throws {
    let dir = try scratchDirectory()
    let env = ["EVO_STDLIB": Self.stdlib]
    let script = try temporaryFile(
      "make.evo",
      """
      import gan
      seed(0)
      let model = gan.GAN(z_dim: 12, shared_dim: 8, g_widths: [8, 4, 4], d_widths: [4, 8], batch: 4, seed: 1)
      model.train(rand([8, 1, 28, 28]), randint([8], 0, 10), 1, every: 0)
      model.save(args[0])
      """)
    let made = try evo(["run", script, "\(dir)/ckpt"], environment: env)
    #expect(made.status == 0, "\(made.err)")
    for name in ["a", "b"] {
      let r = try evo(
        ["gan", "sample", "\(dir)/ckpt", "--classes", "0,3", "--per-class", "3", "-o", "\(dir)/\(name).png"],
        environment: env)
      #expect(r.status == 0, "\(r.err)")
      #expect(r.out.contains("wrote \(dir)/\(name).png"))
    }
    let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.png"))
    let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.png"))
    #expect(a == b)
    // Two rows of 28-pixel tiles drawn at scale 2 with 2-pixel padding.
    #expect(try pngSize("\(dir)/a.png").height == 2 + 2 * (56 + 2))
    let bad = try evo(["gan", "sample", "\(dir)/ckpt", "--classes", "0,x", "-o", "\(dir)/c.png"], environment: env)
    #expect(bad.status != 0 && bad.err.contains("--classes must be comma-separated"))
    let missing = try evo(["gan", "sample", "\(dir)/nothing", "-o", "\(dir)/c.png"], environment: env)
    #expect(missing.status == 1 && missing.err.contains("cannot read"))
  }
}
