import EvoLang
import EvoLimits
import EvoPlot
import EvoTensor

/// A figure as an Evo value: `fig[0, 1].line(...)`, `fig.save("out/curve.png")`; shown as a picture.
final class FigureObject: PNGDisplayable {
  let figure: Figure
  init(_ figure: Figure) { self.figure = figure }
  var nativeType: NativeType { Self.type }
  func pngData() throws -> [UInt8] { try CairoRenderer.render(figure).png() }

  static let type: NativeType = {
    let t = NativeType(name: "Figure", doc: "A figure of one or more axes; fig[row, col] is an axes.") { obj in
      guard let f = (obj as? FigureObject)?.figure else { return "<figure>" }
      return "<figure \(f.rows)×\(f.cols), \(f.width)×\(f.height) px\(f.title.map { ": \($0)" } ?? "")>"
    }
    t.getIndex = { obj, items in
      guard let f = obj as? FigureObject else { return .null }
      let indices = try items.map { item -> Int in
        guard case .value(let v) = item else { throw EvoError(.type, "figure indices are integers: fig[row, col]") }
        return try Convert.int(v, "figure", "indices")
      }
      // fig[row, col], or fig[k] counting axes row by row.
      let (row, col): (Int, Int)
      switch indices.count {
      case 2: (row, col) = (indices[0], indices[1])
      case 1 where indices[0] >= 0: (row, col) = (indices[0] / f.figure.cols, indices[0] % f.figure.cols)
      default: throw EvoError(.index, "a figure is indexed fig[row, col] or fig[k]")
      }
      return .native(AxesObject(try f.figure.axes(row, col), owner: f))
    }
    t.method("save", [NativeParameter("path")], doc: "Writes the figure as a PNG file (folders are created).") { a in
      let f = try a.native(0, as: FigureObject.self, expected: "a figure")
      try PictureFile.write(try f.pngData(), to: try a.string(1))
      return .null
    }
    t.properties["title"] = (
      get: { obj in ((obj as? FigureObject)?.figure.title).map(Value.string) ?? .null },
      set: { obj, v in
        (obj as? FigureObject)?.figure.title = try PlotConvert.optionalString(v, "title")
      }
    )
    t.properties["dpi"] = (
      get: { obj in .number((obj as? FigureObject)?.figure.dpi ?? 100) },
      set: { obj, v in
        guard case .number(let d) = v, d >= 10, d <= 600 else {
          throw EvoError(.value, "dpi must be a number between 10 and 600")
        }
        (obj as? FigureObject)?.figure.dpi = d
      }
    )
    return t
  }()
}

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

/// A picture made of pixels (an image grid) as an Evo value.
final class ImageObject: PNGDisplayable {
  let pixels: Pixels
  init(_ pixels: Pixels) { self.pixels = pixels }
  var nativeType: NativeType { Self.type }
  func pngData() throws -> [UInt8] { try PNGImage.encode(pixels) }

  static let type: NativeType = {
    let t = NativeType(name: "Image", doc: "A picture (an image grid).") { obj in
      guard let p = (obj as? ImageObject)?.pixels else { return "<image>" }
      return "<image \(p.width)×\(p.height)>"
    }
    t.method("save", [NativeParameter("path")], doc: "Writes the picture as a PNG file.") { a in
      let image = try a.native(0, as: ImageObject.self, expected: "an image")
      try PictureFile.write(try image.pngData(), to: try a.string(1))
      return .null
    }
    t.properties["width"] = (get: { .number(Double(($0 as? ImageObject)?.pixels.width ?? 0)) }, set: nil)
    t.properties["height"] = (get: { .number(Double(($0 as? ImageObject)?.pixels.height ?? 0)) }, set: nil)
    return t
  }()
}

/// Conversions from Evo values to plot data.
enum PlotConvert {
  static func numbers(_ value: Value, _ function: String) throws -> [Double] {
    if case .list(let l) = value {
      return try l.items.map { item in
        guard case .number(let n) = item else {
          throw EvoError(.type, "\(function)(): values must be numbers, got \(item.typeName)")
        }
        return n
      }
    }
    if case .range(let r) = value { return (0..<r.count).map { r.element($0) } }
    return try Convert.tensor(value, function).values.map(Double.init)
  }

  static func xy(_ x: Value, _ y: Value, _ function: String) throws -> ([Double], [Double]) {
    if case .null = y {
      let ys = try numbers(x, function)
      return (ys.indices.map(Double.init), ys)
    }
    return (try numbers(x, function), try numbers(y, function))
  }

  static func optionalString(_ value: Value, _ what: String) throws -> String? {
    switch value {
    case .null: return nil
    case .string(let s): return s
    default: throw EvoError(.type, "\(what) must be a string, not \(value.typeName)")
    }
  }

  static func color(_ value: Value) throws -> Color? {
    switch value {
    case .null: return nil
    case .string(let s):
      guard let c = Color(name: s) else {
        throw EvoError(.value, "unknown colour '\(s)'; use #rrggbb or one of \(Palette.names.joined(separator: ", "))")
      }
      return c
    case .number(let n):
      guard let k = Checked.int(n) else {
        throw EvoError(.value, "a palette index must be an integer, got \(formatNumber(n))")
      }
      return Palette.color(k)
    default: throw EvoError(.type, "a colour is a name, #rrggbb or a palette index, not \(value.typeName)")
    }
  }

  /// Per-point colours: names, or numbers mapped through viridis over their range.
  static func colors(_ value: Value, count: Int) throws -> [Color]? {
    if case .null = value { return nil }
    if case .list(let l) = value, l.items.allSatisfy({ if case .string = $0 { return true } else { return false } }) {
      return try l.items.map { try color($0) ?? Palette.color(0) }
    }
    let values = try numbers(value, "scatter")
    guard values.count == count else {
      throw EvoError(.value, "scatter(): \(values.count) colours for \(count) points")
    }
    let finite = values.filter(\.isFinite)
    let low = finite.min() ?? 0
    let high = finite.max() ?? 1
    return values.map { Palette.heat(high > low ? ($0 - low) / (high - low) : 0.5) }
  }

  static func limits(_ value: Value, _ what: String) throws -> ClosedRange<Double>? {
    if case .null = value { return nil }
    let pair = try numbers(value, what)
    guard pair.count == 2, pair[0] < pair[1], pair.allSatisfy(\.isFinite) else {
      throw EvoError(.value, "\(what) must be [low, high] with low < high")
    }
    return pair[0]...pair[1]
  }
}

/// The plotting builtins.
enum PlotFunctions {

  static func all(display: DisplaySink) -> [NativeFunction] {
    [
      NativeFunction(
        "figure",
        [
          p("rows", .number(1)), p("cols", .number(1)), p("width", .null), p("height", .null), p("dpi", .number(100)),
          p("title", .null),
        ],
        doc: "A figure of rows × cols axes (fig[row, col]); size in pixels at 100 dpi."
      ) { a in
        let figure = try Figure(
          rows: a.int(0), cols: a.int(1), width: a.optionalInt(2), height: a.optionalInt(3), dpi: a.number(4),
          title: PlotConvert.optionalString(a[5], "title"))
        return .native(FigureObject(figure))
      },
      NativeFunction(
        "image_grid",
        [
          p("images"), p("rows", .null), p("labels", .null), p("padding", .number(2)), p("scale", .null),
          p("range", .string("auto")),
        ],
        doc:
          "Tiles images (N, C, H, W) into one picture; values in [-1, 1] or [0, 1] (range \"auto\", \"0..1\", \"-1..1\"); labels name the rows."
      ) { a in
        var labels: [String]?
        if case .list(let l) = a[2] { labels = l.items.map { $0.text } }
        guard case .string(let r) = a[5], let range = ImageGrid.ValueRange(rawValue: r) else {
          throw EvoError(.value, "range must be \"auto\", \"0..1\" or \"-1..1\"")
        }
        let grid = try ImageGrid(
          Convert.tensor(a[0], "image_grid"), rows: a.optionalInt(1), labels: labels, padding: a.int(3),
          scale: a.optionalInt(4), range: range)
        return .native(ImageObject(try grid.pixels()))
      },
      NativeFunction(
        "display", [p("value")],
        doc: "Shows a value now: pictures as images in notebooks (a PNG file elsewhere), others as text."
      ) { a in
        try display.show(a[0], interpreter: a.interpreter)
        return .null
      },
    ]
  }
}
