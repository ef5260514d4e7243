/// A statistic an aggregation primitive computes.
public enum Statistic: String, CaseIterable, Sendable {
  /// The mean.
  case mean
  /// The second moment, the mean of x².
  case secondMoment = "mu2"
  /// The biased variance, the mean of (x − mean)².
  case variance = "var"
}

/// The index set an aggregation reduces over, in the paper's notation.
public enum AggregationAxes: String, CaseIterable, Sendable {
  /// (b, h, w): per channel across the batch — needs moving averages at inference.
  case batch = "bhw"
  /// (h, w, c): per sample.
  case layer = "hwc"
  /// (h, w): per sample and channel.
  case instance = "hw"
  /// (h, w, c/g): per sample and group of channels.
  case group = "hwc/g"
}

/// One operation of the search space: 12 element-wise primitives and 12 aggregations.
///
/// An element-wise primitive is defined once, by its `ElementwiseRule` (ElementwiseRules.swift): its
/// name, arity, value and gradients for every evaluator. Adding one is a case here, its place in
/// `elementwise` and its line in `rule`, and its rule (see the EvoGraph README).
public enum Primitive: Hashable, Sendable, CaseIterable {
  case add, mul, div, max
  case neg, sigmoid, tanh, exp, log, abs, square, sqrt
  case aggregate(Statistic, AggregationAxes)

  /// The element-wise primitives in the paper's order.
  public static let elementwise: [Primitive] = [
    .add, .mul, .div, .max, .neg, .sigmoid, .tanh, .exp, .log, .abs, .square, .sqrt,
  ]

  /// The aggregation primitives: every statistic over every index set.
  public static let aggregations: [Primitive] = AggregationAxes.allCases.flatMap { axes in
    Statistic.allCases.map { Primitive.aggregate($0, axes) }
  }

  /// All 24 primitives.
  public static let all: [Primitive] = elementwise + aggregations

  /// All 24 primitives (`all`).
  public static var allCases: [Primitive] { all }

  /// The primitives of the batch-independent (S) search space: no batch aggregations.
  public static let batchIndependent: [Primitive] = all.filter { !$0.usesBatch }

  /// The element-wise rule, nil for an aggregation.
  var rule: (any ElementwiseRule.Type)? {
    switch self {
    case .add: return Add.self
    case .mul: return Mul.self
    case .div: return Div.self
    case .max: return Max.self
    case .neg: return Neg.self
    case .sigmoid: return Sigmoid.self
    case .tanh: return Tanh.self
    case .exp: return Exp.self
    case .log: return Log.self
    case .abs: return Abs.self
    case .square: return Square.self
    case .sqrt: return Sqrt.self
    case .aggregate: return nil
    }
  }

  /// The rule a node of this primitive evaluates with: `sqrt` of a variance or second moment
  /// (`readingStatistic`) is √(a + eps) rather than the signed square root.
  func rule(readingStatistic: Bool) -> (any ElementwiseRule.Type)? {
    self == .sqrt && readingStatistic ? StatisticSqrt.self : rule
  }

  /// How many inputs the primitive takes.
  public var arity: Int { rule?.arity ?? 1 }

  /// Whether swapping the two inputs gives the same value.
  public var isCommutative: Bool { rule?.isCommutative ?? false }

  /// Whether the primitive reduces over the batch (and so keeps moving averages).
  public var usesBatch: Bool {
    if case .aggregate(_, .batch) = self { return true }
    return false
  }

  /// Whether the primitive is an aggregation.
  public var isAggregation: Bool {
    if case .aggregate = self { return true }
    return false
  }

  /// Whether the value is a non-negative statistic (variance or second moment), under whose square
  /// root eps is added.
  public var isNonNegativeStatistic: Bool {
    if case .aggregate(let statistic, _) = self { return statistic != .mean }
    return false
  }

  /// The name in formulas and JSON: `add`, `sigmoid`, `var_bhw`, `mu2_hwc/g`, ...
  public var name: String {
    if case .aggregate(let statistic, let axes) = self { return "\(statistic.rawValue)_\(axes.rawValue)" }
    return rule?.name ?? ""
  }

  /// The primitive with the given `name`, or nil.
  public init?(name: String) {
    guard let found = Primitive.byName[name] else { return nil }
    self = found
  }

  private static let byName: [String: Primitive] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
