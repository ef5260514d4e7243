import CCairo
import Foundation

/// Lays out and draws one axes inside its cell: frame, grid, ticks, labels, series, markers, legend.
struct AxesRenderer {
  let axes: Axes
  let canvas: Canvas
  let cell: (x: Double, y: Double, width: Double, height: Double)

  private var s: Double { canvas.scale }
  private static let gridColor = Color(0.88, 0.88, 0.88)
  private static let frameColor = Color(0.25, 0.25, 0.25)
  private static let textColor = Color(0.1, 0.1, 0.1)

  func draw() throws -> PlotFrame {
    let (xRange, yRange) = ranges()
    canvas.font(size: 11)
    let sample = canvas.measure("0")
    // Margins: room for y tick labels, axis labels and the title.
    // About one y tick per 45 pixels of cell height, so labels never crowd.
    let yTicks = ticks(yRange, log: axes.logY, count: Swift.max(2, Swift.min(8, Int(cell.height / (45 * s)))))
    let yTickWidth = yTicks.map { canvas.measure(label($0, yTicks, log: axes.logY)).width }.max() ?? 0
    let left = cell.x + 12 * s + yTickWidth + (axes.ylabel == nil ? 0 : 20 * s)
    let bottomSpace =
      10 * s + sample.height + (axes.xlabel == nil ? 8 * s : 30 * s) + (axes.categories == nil ? 0 : 4 * s)
    let topSpace = axes.title == nil ? 14 * s : 36 * s
    let heat = heatRange()
    let right = cell.x + cell.width - (heat == nil ? 18 : 78) * s
    let plotTop = cell.y + topSpace
    let plotBottom = cell.y + cell.height - bottomSpace
    guard right - left > 20 * s, plotBottom - plotTop > 20 * s else {
      throw PlotError("the figure is too small for its axes")
    }
    let frame0 = PlotFrame(
      left: left, top: plotTop, width: right - left, height: plotBottom - plotTop,
      xRange: xRange, yRange: yRange, logX: axes.logX, logY: axes.logY, legend: nil)
    let xTicks = fittingXTicks(xRange, frame: frame0)
    drawGridAndTicks(frame0, xTicks: xTicks, yTicks: yTicks)
    drawLabels(frame0)
    let cr = canvas.cr
    cairo_save(cr)
    cairo_rectangle(cr, frame0.left, frame0.top, frame0.width, frame0.height)
    cairo_clip(cr)
    for series in axes.series { drawSeries(series, frame0) }
    drawMarkers(frame0)
    cairo_restore(cr)
    canvas.strokeRect(frame0.left, frame0.top, frame0.width, frame0.height, Self.frameColor, width: 1)
    let legend = drawLegend(frame0)
    if let heat { drawColorbar(frame0, range: heat) }
    return PlotFrame(
      left: frame0.left, top: frame0.top, width: frame0.width, height: frame0.height,
      xRange: xRange, yRange: yRange, logX: axes.logX, logY: axes.logY, legend: legend)
  }

  // MARK: - Ranges and ticks

  private func ranges() -> (ClosedRange<Double>, ClosedRange<Double>) {
    var xs: [Double] = []
    var ys: [Double] = []
    var padX = false
    var padY = false
    for series in axes.series {
      switch series.kind {
      case .line, .scatter:
        xs += series.xs
        ys += series.ys
        padX = true
        padY = true
      case .histogram:
        xs += series.xs
        ys += series.ys + [0]
        padY = true
      case .bar:
        xs += [-0.5, Double(series.xs.count) - 0.5]
        ys += series.ys + [0]
        padY = true
      case .heatmap(let columns):
        xs += [0, Double(columns)]
        ys += [0, Double(series.ys.count / columns)]
      }
    }
    xs += axes.highlights.map(\.x) + axes.annotations.map(\.x)
    ys += axes.highlights.map(\.y) + axes.annotations.map(\.y)
    let x = axes.xlim ?? span(xs, log: axes.logX, pad: padX)
    let y = axes.ylim ?? span(ys, log: axes.logY, pad: padY)
    return (x, y)
  }

  /// The range of the finite (and, on log axes, positive) values, padded by 4%.
  private func span(_ values: [Double], log: Bool, pad: Bool) -> ClosedRange<Double> {
    let usable = values.filter { $0.isFinite && (!log || $0 > 0) }.map { log ? log10($0) : $0 }
    guard var low = usable.min(), var high = usable.max() else { return log ? 1...10 : 0...1 }
    if high - low < 1e-12 * Swift.max(1, Swift.abs(high)) {
      low -= 0.5
      high += 0.5
    }
    if pad {
      let p = (high - low) * 0.04
      low -= p
      high += p
    }
    return log ? pow(10, low)...pow(10, high) : low...high
  }

  private func ticks(_ range: ClosedRange<Double>, log: Bool, count: Int) -> [Double] {
    log
      ? Ticks.logarithmic(range.lowerBound, range.upperBound, count: count)
      : Ticks.linear(range.lowerBound, range.upperBound, count: count)
  }

  private func label(_ value: Double, _ ticks: [Double], log: Bool) -> String {
    let steps = zip(ticks, ticks.dropFirst()).map { Swift.abs($1 - $0) }
    let step = steps.min() ?? Swift.max(Swift.abs(value), 1)
    if log && ticks.count >= 2 && ticks[1] / ticks[0] >= 9.99 {
      return Ticks.label(value, step: step, logarithmic: true)
    }
    return Ticks.label(value, step: step)
  }

  /// X ticks with labels that do not overlap: fewer ticks until they fit.
  private func fittingXTicks(_ range: ClosedRange<Double>, frame: PlotFrame) -> [Double] {
    if axes.categories != nil { return [] }
    canvas.font(size: 11)
    var count = Swift.max(2, Int(frame.width / (55 * s)))
    while true {
      let candidate = ticks(range, log: axes.logX, count: count)
      let positions = candidate.map { frame.pixel($0, frame.yRange.lowerBound).x }
      let widths = candidate.map { canvas.measure(label($0, candidate, log: axes.logX)).width }
      var fits = true
      for i in 1..<Swift.max(1, candidate.count)
      where positions[i] - positions[i - 1] < (widths[i] + widths[i - 1]) / 2 + 8 * s {
        fits = false
      }
      if fits || count <= 2 { return candidate }
      count -= 1
    }
  }

  private func drawGridAndTicks(_ frame: PlotFrame, xTicks: [Double], yTicks: [Double]) {
    canvas.font(size: 11)
    let bottom = frame.top + frame.height
    let tickHeight = canvas.measure("0").height
    for x in xTicks {
      let px = frame.pixel(x, frame.yRange.lowerBound).x
      if axes.grid { canvas.line(px, frame.top, px, bottom, Self.gridColor, width: 1) }
      canvas.line(px, bottom, px, bottom + 4 * s, Self.frameColor, width: 1)
      let text = label(x, xTicks, log: axes.logX)
      canvas.text(text, x: px - canvas.measure(text).width / 2, y: bottom + 8 * s + tickHeight, color: Self.textColor)
    }
    if let categories = axes.categories {
      for (i, name) in categories.enumerated() {
        let px = frame.pixel(Double(i), frame.yRange.lowerBound).x
        canvas.text(name, x: px - canvas.measure(name).width / 2, y: bottom + 8 * s + tickHeight, color: Self.textColor)
      }
    }
    for y in yTicks {
      let py = frame.pixel(frame.xRange.lowerBound, y).y
      if axes.grid { canvas.line(frame.left, py, frame.left + frame.width, py, Self.gridColor, width: 1) }
      canvas.line(frame.left - 4 * s, py, frame.left, py, Self.frameColor, width: 1)
      let text = label(y, yTicks, log: axes.logY)
      canvas.text(
        text, x: frame.left - 7 * s - canvas.measure(text).width, y: py + tickHeight / 2, color: Self.textColor)
    }
  }

  private func drawLabels(_ frame: PlotFrame) {
    if let title = axes.title {
      canvas.font(size: 14, bold: true)
      let w = canvas.measure(title).width
      canvas.text(title, x: frame.left + (frame.width - w) / 2, y: frame.top - 12 * s, color: Self.textColor)
    }
    canvas.font(size: 12)
    if let xlabel = axes.xlabel {
      let w = canvas.measure(xlabel).width
      canvas.text(xlabel, x: frame.left + (frame.width - w) / 2, y: cell.y + cell.height - 8 * s, color: Self.textColor)
    }
    if let ylabel = axes.ylabel {
      let w = canvas.measure(ylabel).width
      let h = canvas.measure(ylabel).height
      canvas.text(
        ylabel, x: cell.x + 8 * s + h, y: frame.top + (frame.height + w) / 2, color: Self.textColor, rotated: true)
    }
  }

  // MARK: - Series

  private func drawSeries(_ series: Series, _ frame: PlotFrame) {
    let cr = canvas.cr
    let color = series.color ?? Palette.color(0)
    func usable(_ x: Double, _ y: Double) -> Bool {
      x.isFinite && y.isFinite && (!axes.logX || x > 0) && (!axes.logY || y > 0)
    }
    switch series.kind {
    case .line:
      canvas.color(color)
      cairo_set_line_width(cr, series.lineWidth * s)
      cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
      cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
      if series.dashed {
        var dash = [6 * s, 4 * s]
        cairo_set_dash(cr, &dash, 2, 0)
      }
      var drawing = false
      for (x, y) in zip(series.xs, series.ys) {
        guard usable(x, y) else {
          drawing = false
          continue
        }
        let p = frame.pixel(x, y)
        if drawing {
          cairo_line_to(cr, p.x, p.y)
        } else {
          cairo_move_to(cr, p.x, p.y)
          drawing = true
        }
      }
      cairo_stroke(cr)
      cairo_set_dash(cr, nil, 0, 0)
    case .scatter:
      for (i, (x, y)) in zip(series.xs, series.ys).enumerated() where usable(x, y) {
        let p = frame.pixel(x, y)
        let radius = (series.sizes?[safe: i] ?? 4) * s
        cairo_new_path(cr)
        cairo_arc(cr, p.x, p.y, radius, 0, 2 * Double.pi)
        canvas.color(series.colors?[safe: i] ?? color, alpha: 0.85)
        cairo_fill_preserve(cr)
        canvas.color(.white)
        cairo_set_line_width(cr, 0.8 * s)
        cairo_stroke(cr)
        if let text = series.pointLabels?[safe: i] {
          canvas.font(size: 10)
          canvas.text(text, x: p.x + radius + 3 * s, y: p.y - radius, color: Self.textColor)
        }
      }
    case .bar:
      for i in series.ys.indices {
        let a = frame.pixel(Double(i) - 0.4, series.ys[i])
        let b = frame.pixel(Double(i) + 0.4, axes.logY ? frame.yRange.lowerBound : 0)
        canvas.fill(a.x, a.y, b.x - a.x, b.y - a.y, color, alpha: 0.85)
      }
    case .histogram:
      // Several histograms share the axes: light fills under full-colour step outlines.
      let shared = axes.series.filter { $0.kind == .histogram }.count > 1
      let base = axes.logY ? frame.yRange.lowerBound : 0
      func top(_ v: Double) -> Double { axes.logY && v <= 0 ? base : v }
      for i in series.ys.indices {
        let a = frame.pixel(series.xs[i], top(series.ys[i]))
        let b = frame.pixel(series.xs[i + 1], base)
        canvas.fill(a.x, a.y, b.x - a.x, b.y - a.y, color, alpha: shared ? 0.22 : 0.55)
      }
      canvas.color(color)
      cairo_set_line_width(cr, (shared ? 1.6 : 1) * s)
      cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER)
      let start = frame.pixel(series.xs[0], base)
      cairo_move_to(cr, start.x, start.y)
      for i in series.ys.indices {
        let left = frame.pixel(series.xs[i], top(series.ys[i]))
        let right = frame.pixel(series.xs[i + 1], top(series.ys[i]))
        cairo_line_to(cr, left.x, left.y)
        cairo_line_to(cr, right.x, right.y)
      }
      let end = frame.pixel(series.xs[series.xs.count - 1], base)
      cairo_line_to(cr, end.x, end.y)
      cairo_stroke(cr)
    case .heatmap(let columns):
      let rows = series.ys.count / columns
      let finite = series.ys.filter(\.isFinite)
      let low = finite.min() ?? 0
      let high = finite.max() ?? 1
      for r in 0..<rows {
        for c in 0..<columns {
          let v = series.ys[r * columns + c]
          // Row r spans y from r to r + 1, so the axis labels count rows from the bottom.
          let a = frame.pixel(Double(c), Double(r + 1))
          let b = frame.pixel(Double(c + 1), Double(r))
          canvas.fill(
            a.x, a.y, b.x - a.x + 0.5, b.y - a.y + 0.5, Palette.heat(high > low ? (v - low) / (high - low) : 0.5))
        }
      }
    }
  }

  private func drawMarkers(_ frame: PlotFrame) {
    let cr = canvas.cr
    for marker in axes.highlights where marker.x.isFinite && marker.y.isFinite {
      let p = frame.pixel(marker.x, marker.y)
      cairo_new_path(cr)
      for k in 0..<10 {
        let angle = -Double.pi / 2 + Double(k) * Double.pi / 5
        let r = (k % 2 == 0 ? 9 : 4) * s
        let (x, y) = (p.x + r * cos(angle), p.y + r * sin(angle))
        if k == 0 { cairo_move_to(cr, x, y) } else { cairo_line_to(cr, x, y) }
      }
      cairo_close_path(cr)
      canvas.color(Palette.color(3))
      cairo_fill_preserve(cr)
      canvas.color(.black)
      cairo_set_line_width(cr, 1 * s)
      cairo_stroke(cr)
      canvas.font(size: 11, bold: true)
      canvas.text(marker.label, x: p.x + 11 * s, y: p.y - 6 * s, color: Self.textColor)
    }
    canvas.font(size: 11)
    for note in axes.annotations where note.x.isFinite && note.y.isFinite {
      let p = frame.pixel(note.x, note.y)
      canvas.text(note.text, x: p.x, y: p.y, color: Self.textColor)
    }
  }

  /// The value range of the axes' heat map, if it has one.
  private func heatRange() -> ClosedRange<Double>? {
    guard let series = axes.series.first(where: { if case .heatmap = $0.kind { return true } else { return false } })
    else { return nil }
    let finite = series.ys.filter(\.isFinite)
    guard let low = finite.min(), let high = finite.max() else { return 0...1 }
    return high > low ? low...high : (low - 0.5)...(low + 0.5)
  }

  /// A vertical colour scale right of the plot, with nice ticks over the heat map's values.
  private func drawColorbar(_ frame: PlotFrame, range: ClosedRange<Double>) {
    let x = frame.left + frame.width + 12 * s
    let width = 14 * s
    let steps = 64
    for k in 0..<steps {
      let t0 = Double(k) / Double(steps)
      let t1 = Double(k + 1) / Double(steps)
      let y0 = frame.top + frame.height * (1 - t1)
      let y1 = frame.top + frame.height * (1 - t0)
      canvas.fill(x, y0, width, y1 - y0 + 0.5, Palette.heat((t0 + t1) / 2))
    }
    canvas.strokeRect(x, frame.top, width, frame.height, Self.frameColor, width: 0.8)
    canvas.font(size: 10)
    let ticks = Ticks.linear(range.lowerBound, range.upperBound, count: Swift.max(2, Int(frame.height / (50 * s))))
    let height = canvas.measure("0").height
    for value in ticks {
      let y = frame.top + frame.height * (1 - (value - range.lowerBound) / (range.upperBound - range.lowerBound))
      canvas.line(x + width, y, x + width + 3 * s, y, Self.frameColor, width: 0.8)
      canvas.text(label(value, ticks, log: false), x: x + width + 5 * s, y: y + height / 2, color: Self.textColor)
    }
  }

  /// The corner (upper right, upper left, lower right, lower left) whose legend box covers the fewest
  /// data points.
  private func legendCorner(_ frame: PlotFrame, width: Double, height: Double) -> (Double, Double) {
    let margin = 8 * s
    let corners = [
      (frame.left + frame.width - width - margin, frame.top + margin), (frame.left + margin, frame.top + margin),
      (frame.left + frame.width - width - margin, frame.top + frame.height - height - margin),
      (frame.left + margin, frame.top + frame.height - height - margin),
    ]
    var points: [(Double, Double)] = []
    for series in axes.series {
      switch series.kind {
      case .line, .scatter: points += zip(series.xs, series.ys).map { frame.pixel($0, $1) }
      case .histogram, .bar:
        points += series.ys.indices.map { i in
          frame.pixel(series.kind == .bar ? Double(i) : (series.xs[i] + series.xs[i + 1]) / 2, series.ys[i])
        }
      case .heatmap: break
      }
    }
    for marker in axes.highlights {
      let p = frame.pixel(marker.x, marker.y)
      // The star and its label to the right.
      points += stride(from: -10.0, through: 90, by: 10).map { (p.x + $0 * s, p.y - 6 * s) }
    }
    points += axes.annotations.map { frame.pixel($0.x, $0.y) }
    func covered(_ corner: (Double, Double)) -> Int {
      let pad = 6 * s
      return points.filter {
        $0.0 >= corner.0 - pad && $0.0 <= corner.0 + width + pad && $0.1 >= corner.1 - pad
          && $0.1 <= corner.1 + height + pad
      }.count
    }
    return corners.min { covered($0) < covered($1) } ?? corners[0]
  }

  /// The legend in the plot corner that hides the least data; returns its box.
  private func drawLegend(_ frame: PlotFrame) -> (x: Double, y: Double, width: Double, height: Double)? {
    let entries = axes.series.filter { $0.label != nil }
    guard axes.legend, !entries.isEmpty else { return nil }
    canvas.font(size: 11)
    let lineHeight = 18 * s
    let swatch = 22 * s
    let textWidth = entries.map { canvas.measure($0.label ?? "").width }.max() ?? 0
    let width = swatch + textWidth + 18 * s
    let height = Double(entries.count) * lineHeight + 8 * s
    let (x, y) = legendCorner(frame, width: width, height: height)
    canvas.fill(x, y, width, height, .white, alpha: 0.9)
    canvas.strokeRect(x, y, width, height, Color(0.7, 0.7, 0.7), width: 0.8)
    let textHeight = canvas.measure("0").height
    for (i, series) in entries.enumerated() {
      let cy = y + 4 * s + (Double(i) + 0.5) * lineHeight
      let color = series.color ?? Palette.color(i)
      switch series.kind {
      case .line: canvas.line(x + 6 * s, cy, x + 6 * s + swatch - 6 * s, cy, color, width: series.lineWidth)
      case .scatter:
        cairo_new_path(canvas.cr)
        cairo_arc(canvas.cr, x + 6 * s + (swatch - 6 * s) / 2, cy, 4 * s, 0, 2 * Double.pi)
        canvas.color(color)
        cairo_fill(canvas.cr)
      default: canvas.fill(x + 8 * s, cy - 5 * s, swatch - 10 * s, 10 * s, color, alpha: 0.7)
      }
      canvas.text(series.label ?? "", x: x + swatch + 8 * s, y: cy + textHeight / 2, color: Self.textColor)
    }
    return (x, y, width, height)
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
