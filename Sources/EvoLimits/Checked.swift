/// Checked conversions of user-supplied numbers into counts, indices and sizes: every `Double` or
/// `Float` that becomes an `Int` goes through here, so none can trap.
public enum Checked {
  /// Integers up to this magnitude are exact in a `Double`; larger "integers" are not counts.
  public static let maximumExactInteger = 9_007_199_254_740_992.0

  /// `x` as an `Int` when it is a whole number of magnitude below 2^53; nil otherwise (NaN, inf, 2.5, 1e19).
  public static func int(_ x: Double) -> Int? {
    guard x == x.rounded(), abs(x) < maximumExactInteger else { return nil }
    return Int(x)
  }

  /// The element count of a half-open progression `start ..< end` by `step` (0 when empty), or nil when
  /// it is not finite or beyond 2^53.
  public static func progressionCount(start: Double, end: Double, step: Double) -> Int? {
    let n = ((end - start) / step).rounded(.up)
    guard !n.isNaN else { return nil }
    if n <= 0 { return 0 }
    return n < maximumExactInteger ? Int(n) : nil
  }

  /// The product of `values` when it fits in an `Int`, else nil.
  public static func product(_ values: some Sequence<Int>) -> Int? {
    var total = 1
    for v in values {
      let (p, overflow) = total.multipliedReportingOverflow(by: v)
      if overflow { return nil }
      total = p
    }
    return total
  }

  /// The sum of `values` when it fits in an `Int`, else nil.
  public static func sum(_ values: some Sequence<Int>) -> Int? {
    var total = 0
    for v in values {
      let (p, overflow) = total.addingReportingOverflow(v)
      if overflow { return nil }
      total = p
    }
    return total
  }
}
