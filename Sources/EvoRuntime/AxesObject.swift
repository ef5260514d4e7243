import EvoLang
import EvoPlot

/// One axes of a figure; its methods add series and return the axes, so calls chain. Shown as its figure.
final class AxesObject: PNGDisplayable {
  let axes: Axes
  let owner: FigureObject
  init(_ axes: Axes, owner: FigureObject) {
    self.axes = axes
    self.owner = owner
  }
  var nativeType: NativeType { Self.type }
  func pngData() throws -> [UInt8] { try owner.pngData() }

  static let type: NativeType = {
    let t = NativeType(
      name: "Axes", doc: "One plot of a figure: line, scatter, hist, bar, heatmap, set, highlight, annotate."
    ) { obj in
      "<axes \((obj as? AxesObject)?.axes.series.count ?? 0) series>"
    }
    func axes(_ a: Arguments) throws -> AxesObject { try a.native(0, as: AxesObject.self, expected: "an axes") }
    t.method(
      "line",
      [p("x"), p("y", .null), p("label", .null), p("color", .null), p("width", .number(2)), p("dashed", .bool(false))],
      doc: "A line through (x, y); with one argument, y against 0, 1, 2, ..."
    ) { a in
      let ax = try axes(a)
      let (xs, ys) = try PlotConvert.xy(a[1], a[2], "line")
      var series = try Series(
        .line, xs: xs, ys: ys, label: PlotConvert.optionalString(a[3], "label"), color: PlotConvert.color(a[4]))
      series.lineWidth = try a.number(5)
      series.dashed = try a.bool(6)
      ax.axes.add(series)
      return a[0]
    }
    t.method(
      "scatter",
      [
        p("x"), p("y"), p("label", .null), p("colors", .null), p("sizes", .null), p("labels", .null), p("color", .null),
      ],
      doc: "Points at (x, y); colors (names, or numbers mapped through viridis), sizes (radii) and labels per point."
    ) { a in
      let ax = try axes(a)
      let (xs, ys) = try PlotConvert.xy(a[1], a[2], "scatter")
      var series = try Series(
        .scatter, xs: xs, ys: ys, label: PlotConvert.optionalString(a[3], "label"), color: PlotConvert.color(a[7]))
      series.colors = try PlotConvert.colors(a[4], count: xs.count)
      if case .null = a[5] {} else { series.sizes = try PlotConvert.numbers(a[5], "scatter") }
      if case .list(let l) = a[6] { series.pointLabels = l.items.map { $0.text } }
      ax.axes.add(series)
      return a[0]
    }
    t.method(
      "hist", [p("values"), p("bins", .number(50)), p("label", .null), p("color", .null), p("range", .null)],
      doc: "A histogram of the values (a tensor or list) in equal bins over range [low, high] (default: their range)."
    ) { a in
      let ax = try axes(a)
      var series = try Series.histogram(
        PlotConvert.numbers(a[1], "hist"), bins: a.int(2), range: PlotConvert.limits(a[5], "range"),
        label: PlotConvert.optionalString(a[3], "label"))
      series.color = try PlotConvert.color(a[4])
      ax.axes.add(series)
      return a[0]
    }
    t.method(
      "bar", [p("labels"), p("values"), p("label", .null), p("color", .null)],
      doc: "Bars of the values, one per category label."
    ) { a in
      let ax = try axes(a)
      guard case .list(let names) = a[1] else { throw EvoError(.type, "bar(): labels must be a list") }
      let values = try PlotConvert.numbers(a[2], "bar")
      guard names.items.count == values.count else {
        throw EvoError(.value, "bar(): \(names.items.count) labels for \(values.count) values")
      }
      ax.axes.categories = names.items.map { $0.text }
      ax.axes.add(
        try Series(
          .bar, xs: values.indices.map(Double.init), ys: values, label: PlotConvert.optionalString(a[3], "label"),
          color: PlotConvert.color(a[4])))
      return a[0]
    }
    t.method("heatmap", [p("values")], doc: "A 2-D tensor or list of rows as colours (viridis).") { a in
      let ax = try axes(a)
      let grid = try Convert.tensor(a[1], "heatmap")
      guard grid.rank == 2 else { throw EvoError(.value, "heatmap(): values must be 2-D, got shape \(grid.shape)") }
      ax.axes.add(try Series(.heatmap(columns: grid.shape[1]), xs: [], ys: grid.values.map(Double.init)))
      ax.axes.grid = false
      return a[0]
    }
    t.method(
      "set",
      [
        p("title", .null), p("xlabel", .null), p("ylabel", .null), p("log_x", .null), p("log_y", .null),
        p("xlim", .null), p("ylim", .null), p("grid", .null), p("legend", .null),
      ],
      doc: "Sets labels, log scales, limits [low, high], grid and legend; nil leaves a setting as it is."
    ) { a in
      let ax = try axes(a).axes
      if case .string(let s) = a[1] { ax.title = s }
      if case .string(let s) = a[2] { ax.xlabel = s }
      if case .string(let s) = a[3] { ax.ylabel = s }
      if case .bool(let b) = a[4] { ax.logX = b }
      if case .bool(let b) = a[5] { ax.logY = b }
      if let r = try PlotConvert.limits(a[6], "xlim") { ax.xlim = r }
      if let r = try PlotConvert.limits(a[7], "ylim") { ax.ylim = r }
      if case .bool(let b) = a[8] { ax.grid = b }
      if case .bool(let b) = a[9] { ax.legend = b }
      return a[0]
    }
    t.method(
      "highlight", [p("x"), p("y"), p("label")],
      doc: "Marks a named point with a star (e.g. a baseline on a Pareto plot)."
    ) { a in
      try axes(a).axes.highlights.append((try a.number(1), try a.number(2), try a.string(3)))
      return a[0]
    }
    t.method("annotate", [p("x"), p("y"), p("text")], doc: "Writes text at a data position.") { a in
      try axes(a).axes.annotations.append((try a.number(1), try a.number(2), try a.string(3)))
      return a[0]
    }
    t.method("save", [p("path")], doc: "Writes the whole figure as a PNG file.") { a in
      try PictureFile.write(try axes(a).pngData(), to: try a.string(1))
      return .null
    }
    return t
  }()
}
