import EvoLang
import EvoPlot

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
