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
    let first = ceil(low / step - 1e-9)
    let last = floor(high / step + 1e-9)
    guard last >= first, last - first < 1000 else { return [] }
    return stride(from: first, through: last, by: 1).map { k in
      let v = k * step
      return Swift.abs(v) < step * 1e-9 ? 0 : v
    }
  }

  /// Ticks for a log axis over [low, high] (positive): powers of ten, thinned to at most `count`; when
  /// the range spans too few decades, 1-2-5 steps inside them, or else linear nice ticks.
  public static func logarithmic(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
    guard low > 0, high > low, low.isFinite, high.isFinite else { return [] }
    let first = Int(floor(log10(low) + 1e-9))
    let last = Int(ceil(log10(high) - 1e-9))
    let inside = { (v: Double) in v >= low * (1 - 1e-9) && v <= high * (1 + 1e-9) }
    let decades = (first...last).map { pow(10, Double($0)) }.filter(inside)
    if decades.count >= 3 {
      let every = Swift.max(1, Int(ceil(Double(decades.count) / Double(count))))
      return stride(from: 0, to: decades.count, by: every).map { decades[$0] }
    }
    let steps = (first...last).flatMap { k in [1.0, 2.0, 5.0].map { $0 * pow(10, Double(k)) } }.filter(inside)
    if steps.count >= 3 && steps.count <= count + 2 { return steps }
    return linear(low, high, count: count).filter { $0 > 0 }
  }

  /// A label for `value` with as many decimals as `step` needs; powers of ten on log axes as 1e-3.
  public static func label(_ value: Double, step: Double, logarithmic: Bool = false) -> String {
    if logarithmic {
      let exponent = Int(floor(log10(value) + 1e-9))
      let mantissa = value / pow(10, Double(exponent))
      if (-3...3).contains(exponent) { return label(value, step: pow(10, Double(Swift.min(exponent, 0)))) }
      return abs(mantissa - 1) < 1e-9 ? "1e\(exponent)" : String(format: "%.0fe%d", mantissa, exponent)
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
