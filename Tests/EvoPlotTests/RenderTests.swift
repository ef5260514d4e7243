import EvoTensor
import Foundation
import Testing

@testable import EvoPlot

/// Rendered figures decoded and checked by pixels.
@Suite struct RenderTests {
  /// Whether some pixel within `radius` of (x, y) is within `tolerance` of `color`.
  func near(_ pixels: Pixels, _ x: Double, _ y: Double, _ color: Color, radius: Int = 2, tolerance: Double = 40) -> Bool
  {
    let cx = Int(x.rounded())
    let cy = Int(y.rounded())
    for dy in -radius...radius {
      for dx in -radius...radius {
        let px = cx + dx
        let py = cy + dy
        guard px >= 0, py >= 0, px < pixels.width, py < pixels.height else { continue }
        let p = pixels.pixel(x: px, y: py).map(Double.init)
        let distance = abs(p[0] - color.red * 255) + abs(p[1] - color.green * 255) + abs(p[2] - color.blue * 255)
        if distance <= tolerance { return true }
      }
    }
    return false
  }

  func decoded(_ figure: Figure) throws -> (Pixels, [PlotFrame]) {
    let rendered = try CairoRenderer.render(figure)
    let pixels = try PNGImage.decode(try rendered.png())
    #expect(pixels == rendered.pixels)
    return (pixels, rendered.frames)
  }

  @Test func lineOfIdentityPassesThroughItsPixels() throws {
    let figure = try Figure(width: 400, height: 300)
    figure.axes[0].add(try Series(.line, xs: [0, 1], ys: [0, 1]))
    figure.axes[0].xlim = 0...1
    figure.axes[0].ylim = 0...1
    let (pixels, frames) = try decoded(figure)
    let blue = Palette.color(0)
    for t in stride(from: 0.1, through: 0.9, by: 0.1) {
      let p = frames[0].pixel(t, t)
      let onLine = near(pixels, p.x, p.y, blue)
      #expect(onLine, "no line pixel near (\(t), \(t)) at \(p)")
    }
    // Off the line there is no line colour.
    let off = frames[0].pixel(0.2, 0.8)
    let offLine = near(pixels, off.x, off.y, blue, radius: 3)
    #expect(!offLine)
  }

  @Test func scatterPointLandsAtItsCoordinates() throws {
    let figure = try Figure(width: 300, height: 300)
    figure.axes[0].add(try Series(.scatter, xs: [0.3], ys: [0.7], color: Color(1, 0, 0)))
    figure.axes[0].xlim = 0...1
    figure.axes[0].ylim = 0...1
    let (pixels, frames) = try decoded(figure)
    let p = frames[0].pixel(0.3, 0.7)
    // Red at 85% over white.
    let atPoint = near(pixels, p.x, p.y, Color(1, 0.15, 0.15), radius: 1, tolerance: 30)
    #expect(atPoint)
    let elsewhere = frames[0].pixel(0.7, 0.3)
    let stray = near(pixels, elsewhere.x, elsewhere.y, Color(1, 0.15, 0.15), radius: 3, tolerance: 60)
    #expect(!stray)
  }

  @Test func legendHoldsText() throws {
    let figure = try Figure(width: 400, height: 300)
    figure.axes[0].add(try Series(.line, xs: [0, 1, 2], ys: [2, 0, 1], label: "EvoNorm-B0"))
    let (pixels, frames) = try decoded(figure)
    let box = try #require(frames[0].legend)
    var dark = 0
    for y in Int(box.y)..<Int(box.y + box.height) {
      for x in Int(box.x + box.width / 3)..<Int(box.x + box.width)
      where pixels.pixel(x: x, y: y).allSatisfy({ $0 < 128 }) { dark += 1 }
    }
    #expect(dark > 20, "the legend's text area has \(dark) dark pixels")
  }

  @Test func logAxesPlaceDecadesEvenly() throws {
    let figure = try Figure(width: 400, height: 300)
    figure.axes[0].add(try Series(.line, xs: [1, 10, 100, 1000], ys: [1, 10, 100, 1000]))
    figure.axes[0].logX = true
    figure.axes[0].logY = true
    let (pixels, frames) = try decoded(figure)
    let a = frames[0].pixel(1, 1)
    let b = frames[0].pixel(10, 10)
    let c = frames[0].pixel(100, 100)
    #expect(abs((b.x - a.x) - (c.x - b.x)) < 0.5)
    let onDecade = near(pixels, b.x, b.y, Palette.color(0))
    #expect(onDecade)
  }

  @Test func badFiguresAreErrors() throws {
    #expect(throws: PlotError.self) { try Figure(rows: 0) }
    #expect(throws: PlotError.self) { try Figure(width: 100_000) }
    #expect(throws: PlotError.self) { try Series(.line, xs: [1, 2], ys: [1]) }
    #expect(throws: PlotError.self) { try Series.histogram([.nan], bins: 10) }
    #expect(throws: PlotError.self) { try Figure(rows: 2).axes(2, 0) }
    // Non-finite data is skipped, not drawn and not fatal.
    let figure = try Figure()
    figure.axes[0].add(try Series(.line, xs: [0, 1, 2, 3], ys: [1, .nan, .infinity, 2]))
    _ = try CairoRenderer.render(figure)
  }

  @Test func narrowFiguresStillRenderWithoutOverlappingTickLabels() throws {
    for range in [0.0...1e6, -0.003...0.004, 1990...2025] {
      let figure = try Figure(width: 200, height: 160)
      figure.axes[0].add(try Series(.line, xs: [range.lowerBound, range.upperBound], ys: [0, 1]))
      _ = try CairoRenderer.render(figure)
    }
  }

  @Test func heatMapsGetAColourScale() throws {
    let figure = try Figure(width: 400, height: 300)
    figure.axes[0].add(try Series(.heatmap(columns: 2), xs: [], ys: [0, 1, 2, 3]))
    let (pixels, frames) = try decoded(figure)
    let frame = frames[0]
    // The scale sits right of the plot: viridis yellow at the top, purple at the bottom.
    let x = frame.left + frame.width + 18
    let scaleTop = near(pixels, x, frame.top + 3, Palette.heat(1), radius: 1, tolerance: 40)
    let scaleBottom = near(pixels, x, frame.top + frame.height - 3, Palette.heat(0), radius: 1, tolerance: 40)
    #expect(scaleTop && scaleBottom)
    // Row r spans y from r to r + 1: value 0 (purple) bottom left, value 3 (yellow) top right.
    let bottomLeft = frame.pixel(0.5, 0.5)
    let topRight = frame.pixel(1.5, 1.5)
    let purple = near(pixels, bottomLeft.x, bottomLeft.y, Palette.heat(0))
    let yellow = near(pixels, topRight.x, topRight.y, Palette.heat(1))
    #expect(purple && yellow)
  }
}
