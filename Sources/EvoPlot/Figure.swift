/// A figure: a grid of axes, a size in pixels and a resolution, optionally a title.
public final class Figure {
  public let rows: Int
  public let cols: Int
  /// Size in pixels at 100 dpi; a higher `dpi` scales the picture (and its fonts) up.
  public var width: Int
  public var height: Int
  public var dpi: Double
  public var title: String?
  /// The axes, row by row.
  public let axes: [Axes]

  public init(
    rows: Int = 1, cols: Int = 1, width: Int? = nil, height: Int? = nil, dpi: Double = 100, title: String? = nil
  ) throws {
    guard (1...12).contains(rows), (1...12).contains(cols) else {
      throw PlotError("a figure has 1 to 12 rows and columns, got \(rows)×\(cols)")
    }
    self.rows = rows
    self.cols = cols
    self.width = width ?? 560 * cols
    self.height = height ?? 400 * rows
    guard (16...8000).contains(self.width), (16...8000).contains(self.height) else {
      throw PlotError("figure size must be between 16 and 8000 pixels, got \(self.width)×\(self.height)")
    }
    guard dpi >= 10 && dpi <= 600 else { throw PlotError("dpi must be between 10 and 600, got \(dpi)") }
    self.dpi = dpi
    self.title = title
    axes = (0..<rows * cols).map { _ in Axes() }
  }

  /// The axes at row `row`, column `col`.
  public func axes(_ row: Int, _ col: Int) throws -> Axes {
    guard row >= 0, row < rows, col >= 0, col < cols else {
      throw PlotError("no axes at [\(row), \(col)] in a \(rows)×\(cols) figure")
    }
    return axes[row * cols + col]
  }
}

/// One plot: its series, labels, scales, limits and markers.
public final class Axes {
  public var title: String?
  public var xlabel: String?
  public var ylabel: String?
  public var logX = false
  public var logY = false
  public var xlim: ClosedRange<Double>?
  public var ylim: ClosedRange<Double>?
  public var grid = true
  public var legend = true
  public private(set) var series: [Series] = []
  /// Named points drawn as stars with their label (e.g. BN-ReLU on a Pareto plot).
  public var highlights: [(x: Double, y: Double, label: String)] = []
  /// Free text at data coordinates.
  public var annotations: [(x: Double, y: Double, text: String)] = []
  /// Category names under the x axis (bar charts).
  public var categories: [String]?

  public init() {}

  /// Adds a series, giving it the next colour of the cycle unless it has one.
  public func add(_ series: Series) {
    var s = series
    if s.color == nil { s.color = Palette.color(self.series.count) }
    self.series.append(s)
  }
}

/// A series of one kind.
public struct Series {
  public enum Kind: Equatable {
    case line
    case scatter
    /// Bars between consecutive `xs` edges (xs has one more element than ys).
    case histogram
    /// Bars at category positions 0, 1, 2, ...
    case bar
    /// A grid of values (`ys` row-major, `columns` wide) as colours.
    case heatmap(columns: Int)
  }

  public var kind: Kind
  public var xs: [Double]
  public var ys: [Double]
  public var label: String?
  public var color: Color?
  /// Per-point colours (scatter).
  public var colors: [Color]?
  /// Per-point marker radii in pixels (scatter).
  public var sizes: [Double]?
  /// Per-point text (scatter).
  public var pointLabels: [String]?
  public var lineWidth: Double = 2
  public var dashed = false

  public init(_ kind: Kind, xs: [Double], ys: [Double], label: String? = nil, color: Color? = nil) throws {
    switch kind {
    case .line, .scatter:
      guard xs.count == ys.count else { throw PlotError("x and y have different lengths: \(xs.count) and \(ys.count)") }
    case .histogram:
      guard xs.count == ys.count + 1 else { throw PlotError("a histogram needs one more edge than counts") }
    case .bar:
      guard xs.count == ys.count else { throw PlotError("bar positions and heights differ in length") }
    case .heatmap(let columns):
      guard columns > 0, ys.count % columns == 0, !ys.isEmpty else {
        throw PlotError("a heat map needs a non-empty rows × columns grid")
      }
    }
    self.kind = kind
    self.xs = xs
    self.ys = ys
    self.label = label
    self.color = color
  }

  /// A histogram of `values` in `bins` equal bins over `range` (default: the values' range); values
  /// outside the range and non-finite ones are left out.
  public static func histogram(_ values: [Double], bins: Int, range: ClosedRange<Double>? = nil, label: String? = nil)
    throws -> Series
  {
    guard bins >= 1 && bins <= 10_000 else { throw PlotError("bins must be between 1 and 10000, got \(bins)") }
    let finite = values.filter { $0.isFinite && (range?.contains($0) ?? true) }
    guard let low = range?.lowerBound ?? finite.min(), let high = range?.upperBound ?? finite.max() else {
      throw PlotError("a histogram needs finite values")
    }
    let span = high > low ? high - low : 1
    let start = high > low ? low : low - 0.5
    var counts = [Double](repeating: 0, count: bins)
    for v in finite { counts[Swift.max(0, Swift.min(bins - 1, Int((v - start) / span * Double(bins))))] += 1 }
    let edges = (0...bins).map { start + span * Double($0) / Double(bins) }
    return try Series(.histogram, xs: edges, ys: counts, label: label)
  }
}
