import EvoLang
import EvoLimits
import EvoPlot

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
