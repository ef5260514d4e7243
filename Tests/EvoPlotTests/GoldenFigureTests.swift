import EvoTensor
import Foundation
import Testing

@testable import EvoPlot

/// Figures rendered at a fixed size against committed PNGs (regenerate with EVO_UPDATE_GOLDEN=1).
@Suite struct GoldenFigureTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden").path

  static func figures() throws -> [(String, Figure)] {
    let curves = try Figure(width: 480, height: 320, title: "Training loss")
    let xs = (0..<50).map(Double.init)
    curves.axes[0].add(try Series(.line, xs: xs, ys: xs.map { 2.3 * exp(-$0 / 15) + 0.2 }, label: "BN-ReLU"))
    curves.axes[0].add(try Series(.line, xs: xs, ys: xs.map { 2.3 * exp(-$0 / 20) + 0.25 }, label: "EvoNorm-B0"))
    curves.axes[0].xlabel = "step"
    curves.axes[0].ylabel = "loss"
    let pareto = try Figure(width: 360, height: 300)
    pareto.axes[0].add(
      try Series(.scatter, xs: [0.82, 0.85, 0.88, 0.9], ys: [0.7, 0.74, 0.69, 0.72], label: "candidates"))
    pareto.axes[0].highlights.append((0.87, 0.73, "BN-ReLU"))
    pareto.axes[0].title = "Pareto front"
    let bars = try Figure(width: 360, height: 260)
    bars.axes[0].categories = ["bn_relu", "evonorm_b0", "evonorm_s0"]
    bars.axes[0].add(try Series(.bar, xs: [0, 1, 2], ys: [93.2, 91.9, 91.3]))
    bars.axes[0].ylim = 85...95
    return [("curves", curves), ("pareto", pareto), ("bars", bars)]
  }

  @Test func figuresMatchTheirGoldenPictures() throws {
    let update = ProcessInfo.processInfo.environment["EVO_UPDATE_GOLDEN"] == "1"
    for (name, figure) in try Self.figures() {
      let rendered = try CairoRenderer.render(figure)
      let path = "\(Self.folder)/\(name).png"
      if update {
        try Data(try rendered.png()).write(to: URL(fileURLWithPath: path))
        continue
      }
      let golden = try PNGImage.readPixels(path: path, channels: 3)
      #expect(golden.width == rendered.pixels.width && golden.height == rendered.pixels.height, "\(name): size differs")
      guard golden.bytes.count == rendered.pixels.bytes.count else { continue }
      var total = 0
      var far = 0
      for (a, b) in zip(golden.bytes, rendered.pixels.bytes) {
        let d = abs(Int(a) - Int(b))
        total += d
        if d > 60 { far += 1 }
      }
      let mean = Double(total) / Double(golden.bytes.count)
      #expect(
        mean < 1.5 && Double(far) < 0.005 * Double(golden.bytes.count),
        "\(name): mean difference \(mean), \(far) bytes far off")
    }
  }
}
