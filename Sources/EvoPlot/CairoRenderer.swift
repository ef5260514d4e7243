import CCairo
import EvoTensor
import Foundation

/// Where a rendered axes' plot area lies, for mapping data to pixels (tests, hit testing).
public struct PlotFrame: Sendable {
  public let left: Double, top: Double, width: Double, height: Double
  public let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
  public let logX: Bool, logY: Bool
  /// The legend box (x, y, width, height), when drawn.
  public let legend: (x: Double, y: Double, width: Double, height: Double)?

  /// The pixel position of the data point (x, y).
  public func pixel(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
    func fraction(_ v: Double, _ range: ClosedRange<Double>, _ log: Bool) -> Double {
      let t = log ? log10(v) : v
      let lo = log ? log10(range.lowerBound) : range.lowerBound
      let hi = log ? log10(range.upperBound) : range.upperBound
      return (t - lo) / (hi - lo)
    }
    return (left + fraction(x, xRange, logX) * width, top + height - fraction(y, yRange, logY) * height)
  }
}

/// A figure drawn: its pixels, and the frame of each axes.
public struct RenderedFigure: Sendable {
  public let pixels: Pixels
  public let frames: [PlotFrame]

  /// The picture as PNG bytes.
  public func png() throws -> [UInt8] { try PNGImage.encode(pixels) }
}

/// Draws figures with Cairo: antialiased lines, DejaVu Sans text, nice ticks, legends.
public enum CairoRenderer {
  public static func render(_ figure: Figure) throws -> RenderedFigure {
    let scale = figure.dpi / 100
    let width = Int((Double(figure.width) * scale).rounded())
    let height = Int((Double(figure.height) * scale).rounded())
    guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else {
      throw PlotError("could not create a \(width)×\(height) image")
    }
    defer { cairo_surface_destroy(surface) }
    guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let cr = cairo_create(surface) else {
      throw PlotError("could not create a \(width)×\(height) image")
    }
    defer { cairo_destroy(cr) }
    let canvas = Canvas(cr: cr, scale: scale)
    canvas.fill(0, 0, Double(width), Double(height), Color.white)
    var top = 0.0
    if let title = figure.title {
      canvas.font(size: 16, bold: true)
      let extent = canvas.measure(title)
      canvas.text(title, x: (Double(width) - extent.width) / 2, y: 8 * scale + extent.height, color: .black)
      top = extent.height + 14 * scale
    }
    let cellWidth = Double(width) / Double(figure.cols)
    let cellHeight = (Double(height) - top) / Double(figure.rows)
    var frames: [PlotFrame] = []
    for row in 0..<figure.rows {
      for col in 0..<figure.cols {
        let axes = figure.axes[row * figure.cols + col]
        let cell = (x: Double(col) * cellWidth, y: top + Double(row) * cellHeight, width: cellWidth, height: cellHeight)
        frames.append(try AxesRenderer(axes: axes, canvas: canvas, cell: cell).draw())
      }
    }
    return RenderedFigure(pixels: try rgbPixels(of: surface), frames: frames)
  }

  /// The RGB pixels of an RGB24 image surface (Cairo keeps each pixel as 0x00RRGGBB).
  static func rgbPixels(of surface: OpaquePointer) throws -> Pixels {
    cairo_surface_flush(surface)
    guard let data = cairo_image_surface_get_data(surface) else { throw PlotError("the image has no pixels") }
    let width = Int(cairo_image_surface_get_width(surface))
    let height = Int(cairo_image_surface_get_height(surface))
    let stride = Int(cairo_image_surface_get_stride(surface))
    var bytes = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
      for x in 0..<width {
        let p = row[x]
        let o = (y * width + x) * 3
        bytes[o] = UInt8((p >> 16) & 0xFF)
        bytes[o + 1] = UInt8((p >> 8) & 0xFF)
        bytes[o + 2] = UInt8(p & 0xFF)
      }
    }
    return Pixels(width: width, height: height, channels: 3, bytes: bytes)
  }
}

/// Thin drawing helpers over a Cairo context, in device pixels; sizes given in points at 100 dpi are
/// multiplied by `scale`.
final class Canvas {
  let cr: OpaquePointer
  let scale: Double

  init(cr: OpaquePointer, scale: Double) {
    self.cr = cr
    self.scale = scale
  }

  func color(_ c: Color, alpha: Double = 1) { cairo_set_source_rgba(cr, c.red, c.green, c.blue, alpha) }

  func fill(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ c: Color, alpha: Double = 1) {
    color(c, alpha: alpha)
    cairo_rectangle(cr, x, y, w, h)
    cairo_fill(cr)
  }

  func strokeRect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ c: Color, width: Double) {
    color(c)
    cairo_set_line_width(cr, width * scale)
    cairo_rectangle(cr, x, y, w, h)
    cairo_stroke(cr)
  }

  func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: Color, width: Double, alpha: Double = 1) {
    color(c, alpha: alpha)
    cairo_set_line_width(cr, width * scale)
    cairo_move_to(cr, x0, y0)
    cairo_line_to(cr, x1, y1)
    cairo_stroke(cr)
  }

  func font(size: Double, bold: Bool = false) {
    cairo_select_font_face(
      cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
    cairo_set_font_size(cr, size * scale)
  }

  /// Width and height (cap height) of a text in the current font.
  func measure(_ text: String) -> (width: Double, height: Double) {
    var extents = cairo_text_extents_t()
    cairo_text_extents(cr, text, &extents)
    var font = cairo_font_extents_t()
    cairo_font_extents(cr, &font)
    return (extents.x_advance, font.ascent * 0.75)
  }

  /// Draws text with its baseline starting at (x, y).
  func text(_ text: String, x: Double, y: Double, color c: Color, rotated: Bool = false) {
    color(c)
    cairo_save(cr)
    cairo_move_to(cr, x, y)
    if rotated { cairo_rotate(cr, -Double.pi / 2) }
    cairo_show_text(cr, text)
    cairo_restore(cr)
  }
}
