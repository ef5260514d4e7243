import EvoTensor
import Testing

@testable import EvoPlot

@Suite struct ImageGridTests {
  @Test func sampleKLandsInItsTileWithItsValues() throws {
    // 5 grey 2×3 images; image k is k/10 everywhere except its top-left pixel, which is 1.
    var values: [Float] = []
    for k in 0..<5 { values += [1] + Array(repeating: Float(k) / 10, count: 5) }
    let images = try Tensor(shape: [5, 1, 2, 3], values: values)
    let grid = try ImageGrid(images, rows: 2, padding: 1, scale: 4)
    #expect(grid.cols == 3)
    let pixels = try PNGImage.decode(try grid.png())
    #expect(pixels.width == grid.width && pixels.height == grid.height)
    #expect(grid.width == 1 + 3 * (12 + 1) && grid.height == 1 + 2 * (8 + 1))
    for k in 0..<5 {
      let (ox, oy) = grid.origin(of: k)
      let level = UInt8((Float(k) / 10 * 255).rounded())
      #expect(pixels.pixel(x: ox, y: oy) == [255, 255, 255], "tile \(k) top-left")
      #expect(pixels.pixel(x: ox + 3, y: oy + 3) == [255, 255, 255], "upscaled top-left of tile \(k)")
      #expect(pixels.pixel(x: ox + 4, y: oy) == [level, level, level], "tile \(k)")
      #expect(pixels.pixel(x: ox + 11, y: oy + 7) == [level, level, level], "tile \(k) bottom-right")
    }
  }

  @Test func symmetricValuesMapFromMinusOneToOne() throws {
    let images = try Tensor(shape: [2, 1, 1, 1], values: [-1, 0])
    let grid = try ImageGrid(images, rows: 1, padding: 0, scale: 1)
    let pixels = try grid.pixels()
    #expect(pixels.pixel(x: 0, y: 0) == [0, 0, 0])
    #expect(pixels.pixel(x: 1, y: 0) == [128, 128, 128])
  }

  @Test func labelsAddAColumnWithText() throws {
    let images = try Tensor.zeros([4, 1, 8, 8])
    let plain = try ImageGrid(images, rows: 2, scale: 2)
    let labelled = try ImageGrid(images, rows: 2, labels: ["T-shirt", "Trouser"], scale: 2)
    #expect(labelled.width > plain.width + 30)
    let pixels = try labelled.pixels()
    var dark = 0
    for y in 0..<pixels.height {
      for x in 0..<labelled.labelWidth where pixels.pixel(x: x, y: y)[0] < 128 { dark += 1 }
    }
    #expect(dark > 20)
    #expect(throws: PlotError.self) { try ImageGrid(images, rows: 2, labels: ["one"]) }
    #expect(throws: PlotError.self) { try ImageGrid(Tensor.zeros([4, 2, 8, 8])) }
  }
}
