import CCairo
import EvoTensor
import Foundation

/// Tiles a batch of images (N, C, H, W) into one picture, for samples from generators and datasets.
public struct ImageGrid {
  /// How tensor values map to intensities.
  public enum ValueRange: String, Sendable {
    /// [-1, 1] when any value is negative, else [0, 1].
    case auto
    case unit = "0..1"
    case symmetric = "-1..1"
  }

  public let rows: Int, cols: Int
  /// Integer nearest-neighbour upscaling of each image.
  public let scale: Int
  public let padding: Int
  /// Width of the label column on the left (0 without labels).
  public let labelWidth: Int
  let images: Tensor
  let labels: [String]?
  let range: ValueRange

  /// Plans a grid; `rows` defaults to a near-square layout, `scale` to enough to show 28×28 images at 56×56.
  public init(
    _ images: Tensor, rows: Int? = nil, labels: [String]? = nil, padding: Int = 2, scale: Int? = nil,
    range: ValueRange = .auto
  ) throws {
    guard images.rank == 4, images.shape[1] == 1 || images.shape[1] == 3, images.shape[0] > 0, images.shape[2] > 0,
      images.shape[3] > 0
    else {
      throw PlotError("an image grid needs images (N, 1 or 3, H, W), got \(images.shape)")
    }
    let n = images.shape[0]
    let r = rows ?? Int(Double(n).squareRoot().rounded(.up))
    guard r >= 1 && r <= n else { throw PlotError("rows must be between 1 and \(n), got \(r)") }
    if let labels, labels.count != r { throw PlotError("\(labels.count) labels for \(r) rows") }
    guard (0...64).contains(padding) else { throw PlotError("padding must be between 0 and 64 pixels") }
    let s = scale ?? Swift.max(1, Int((56.0 / Double(images.shape[2])).rounded(.up)))
    guard (1...32).contains(s) else { throw PlotError("scale must be between 1 and 32, got \(s)") }
    self.rows = r
    self.cols = (n + r - 1) / r
    self.scale = s
    self.padding = padding
    self.images = images
    self.labels = labels
    self.range = range
    labelWidth = labels.map { ImageGrid.labelColumnWidth($0) } ?? 0
    guard width * height <= PNGImage.maximumPixels else {
      throw PlotError("the grid would be \(width)×\(height) pixels, too large")
    }
  }

  var tileWidth: Int { images.shape[3] * scale }
  var tileHeight: Int { images.shape[2] * scale }
  public var width: Int { labelWidth + padding + cols * (tileWidth + padding) }
  public var height: Int { padding + rows * (tileHeight + padding) }

  /// Top-left pixel of image k's tile (images fill rows left to right).
  public func origin(of k: Int) -> (x: Int, y: Int) {
    (labelWidth + padding + (k % cols) * (tileWidth + padding), padding + (k / cols) * (tileHeight + padding))
  }

  /// The grid's RGB pixels.
  public func pixels() throws -> Pixels {
    let n = images.shape[0]
    let c = images.shape[1]
    let h = images.shape[2]
    let w = images.shape[3]
    var bytes = [UInt8](repeating: 255, count: width * height * 3)
    let values = images.values
    let symmetric = range == .symmetric || (range == .auto && values.contains { $0 < 0 })
    for k in 0..<n {
      let (ox, oy) = origin(of: k)
      for y in 0..<h {
        for x in 0..<w {
          var rgb = [UInt8](repeating: 0, count: 3)
          for ch in 0..<3 {
            var v = values[((k * c + Swift.min(ch, c - 1)) * h + y) * w + x]
            if symmetric { v = (v + 1) / 2 }
            rgb[ch] = UInt8((v.isNaN ? 0 : Swift.min(Swift.max(v, 0), 1)) * 255 + 0.5)
          }
          for dy in 0..<scale {
            let row = (oy + y * scale + dy) * width
            for dx in 0..<scale {
              let o = (row + ox + x * scale + dx) * 3
              bytes[o] = rgb[0]
              bytes[o + 1] = rgb[1]
              bytes[o + 2] = rgb[2]
            }
          }
        }
      }
    }
    var pixels = Pixels(width: width, height: height, channels: 3, bytes: bytes)
    if let labels { pixels = try drawLabels(labels, on: pixels) }
    return pixels
  }

  /// The grid as PNG bytes (libpng).
  public func png() throws -> [UInt8] { try PNGImage.encode(try pixels()) }

  private static func labelColumnWidth(_ labels: [String]) -> Int {
    guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1) else { return 120 }
    defer { cairo_surface_destroy(surface) }
    guard let cr = cairo_create(surface) else { return 120 }
    defer { cairo_destroy(cr) }
    let canvas = Canvas(cr: cr, scale: 1)
    canvas.font(size: 13)
    return Int((labels.map { canvas.measure($0).width }.max() ?? 0).rounded(.up)) + 16
  }

  /// Draws the row labels into the label column with Cairo.
  private func drawLabels(_ labels: [String], on pixels: Pixels) throws -> Pixels {
    guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)),
      let data = cairo_image_surface_get_data(surface)
    else { throw PlotError("could not create the grid image") }
    defer { cairo_surface_destroy(surface) }
    let stride = Int(cairo_image_surface_get_stride(surface))
    for y in 0..<height {
      let row = UnsafeMutableRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
      for x in 0..<width {
        let o = (y * width + x) * 3
        row[x] = UInt32(pixels.bytes[o]) << 16 | UInt32(pixels.bytes[o + 1]) << 8 | UInt32(pixels.bytes[o + 2])
      }
    }
    cairo_surface_mark_dirty(surface)
    guard let cr = cairo_create(surface) else { throw PlotError("could not draw the grid labels") }
    defer { cairo_destroy(cr) }
    let canvas = Canvas(cr: cr, scale: 1)
    canvas.font(size: 13)
    for (r, text) in labels.enumerated() {
      let y = Double(padding + r * (tileHeight + padding)) + Double(tileHeight) / 2 + canvas.measure(text).height / 2
      canvas.text(text, x: Double(labelWidth) - 8 - canvas.measure(text).width, y: y, color: Color(0.1, 0.1, 0.1))
    }
    return try CairoRenderer.rgbPixels(of: surface)
  }
}
