import EvoTensor
import Testing

@testable import EvoPlot

@Suite struct GraphvizTests {
  @Test func dotRendersToAPNG() throws {
    try #require(GraphvizRenderer.isAvailable, "Graphviz (the dot program) is not installed")
    let png = try GraphvizRenderer.png(dot: "digraph g { a -> b; a -> c; }")
    let pixels = try PNGImage.decode(png)
    #expect(pixels.width > 20 && pixels.height > 50)
    #expect(pixels.bytes.contains { $0 < 100 }, "the picture has no dark strokes")
  }

  @Test func malformedDotIsAnError() throws {
    try #require(GraphvizRenderer.isAvailable)
    #expect(throws: PlotError.self) { try GraphvizRenderer.png(dot: "digraph { a -> ") }
  }
}
