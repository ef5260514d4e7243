import Foundation

/// Tick positions and labels for axes: "nice" steps of 1, 2 or 5 times a power of ten, or decades on
/// log axes.
public enum Ticks {
  /// The step of at most `count` intervals over `span`: 1, 2 or 5 × 10^k.
  public static func niceStep(span: Double, count: Int) -> Double {
    guard span > 0, span.isFinite, count > 0 else { return 1 }
    let raw = span / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= raw * (1 - 1e-9) { return factor * magnitude }
    return 10 * magnitude
  }

  /// Tick values inside [low, high], on multiples of a nice step, at most about `count` of them.
  public static func linear(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
    guard low.isFinite, high.isFinite, high > low else { return low.isFinite ? [low] : [] }
    let step = niceStep(span: high - low, count: count)
    let first = ceil(low / step - 1e-9), last = floor(high / step + 1e-9)
    guard last >= first, last - first < 1000 else { return [] }
    return stride(from: first, through: last, by: 1).map { k in
      let v = k * step
      return Swift.abs(v) < step * 1e-9 ? 0 : v
    }
  }

  /// Powers of ten inside [low, high] (positive values), thinned to at most `count`.
  public static func logarithmic(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
    guard low > 0, high > low, low.isFinite, high.isFinite else { return [] }
    let first = Int(ceil(log10(low) - 1e-9)), last = Int(floor(log10(high) + 1e-9))
    guard last >= first else { return [low, high] }
    let every = Swift.max(1, Int(ceil(Double(last - first + 1) / Double(count))))
    return stride(from: first, through: last, by: every).map { pow(10, Double($0)) }
  }

  /// A label for `value` with as many decimals as `step` needs; powers of ten on log axes as 1e-3.
  public static func label(_ value: Double, step: Double, logarithmic: Bool = false) -> String {
    if logarithmic {
      let exponent = Int(log10(value).rounded())
      return (-3...4).contains(exponent) ? label(value, step: value) : "1e\(exponent)"
    }
    if value == 0 { return "0" }
    let magnitude = Swift.abs(value)
    if magnitude >= 1e6 || magnitude < 1e-4 {
      return String(format: "%.*g", Swift.max(1, significantDigits(value, step)), value)
    }
    let decimals = Swift.max(0, Int(ceil(-log10(step) - 1e-9)))
    return String(format: "%.\(decimals)f", value)
  }

  private static func significantDigits(_ value: Double, _ step: Double) -> Int {
    Int(floor(log10(Swift.abs(value)))) - Int(floor(log10(step))) + 1
  }
}
