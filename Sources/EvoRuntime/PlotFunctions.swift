import EvoLang
import EvoPlot

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
