import EvoGraph
import Foundation

/// Independent float64 reference implementations of the primitives, on flat NCHW arrays with every
/// value at full size (aggregations broadcast back), written from the definitions in docs/search-space.md.
struct Direct {
  let n: Int, c: Int, h: Int, w: Int, groups: Int
  var count: Int { n * c * h * w }

  func index(_ b: Int, _ ch: Int, _ i: Int) -> Int { (b * c + ch) * h * w + i }

  /// The members of the index set that element `e` belongs to.
  func members(of e: Int, _ axes: AggregationAxes) -> [Int] {
    let plane = h * w
    let b = e / (c * plane)
    let ch = (e / plane) % c
    switch axes {
    case .batch: return (0..<n).flatMap { bb in (0..<plane).map { index(bb, ch, $0) } }
    case .layer: return (0..<c).flatMap { cc in (0..<plane).map { index(b, cc, $0) } }
    case .instance: return (0..<plane).map { index(b, ch, $0) }
    case .group:
      let size = c / groups
      let first = (ch / size) * size
      return (first..<first + size).flatMap { cc in (0..<plane).map { index(b, cc, $0) } }
    }
  }

  func aggregate(_ x: [Double], _ statistic: Statistic, _ axes: AggregationAxes) -> [Double] {
    (0..<count).map { e in
      let values = members(of: e, axes).map { x[$0] }
      let mean = values.reduce(0, +) / Double(values.count)
      switch statistic {
      case .mean: return mean
      case .secondMoment: return values.map { $0 * $0 }.reduce(0, +) / Double(values.count)
      case .variance: return values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
      }
    }
  }

  /// sqrt(statistic + eps), the square root the layers take of a variance or second moment.
  func std(_ x: [Double], _ statistic: Statistic, _ axes: AggregationAxes, eps: Double = 1e-5) -> [Double] {
    aggregate(x, statistic, axes).map { ($0 + eps).squareRoot() }
  }

  /// A per-channel vector broadcast to full size.
  func channelwise(_ v: [Double]) -> [Double] { (0..<count).map { v[($0 / (h * w)) % c] } }

  /// The named layer's output before the affine, with v1 given per channel.
  func named(_ name: String, _ x: [Double], v1: [Double]) -> [Double]? {
    let v = channelwise(v1)
    func sigmoid(_ t: Double) -> Double { 1 / (1 + Foundation.exp(-t)) }
    func normalized(_ axes: AggregationAxes) -> [Double] {
      let m = aggregate(x, .mean, axes)
      let s = std(x, .variance, axes)
      return (0..<count).map { (x[$0] - m[$0]) / s[$0] }
    }
    switch name {
    case "bn_relu": return normalized(.batch).map { Swift.max($0, 0) }
    case "gn_relu": return normalized(.group).map { Swift.max($0, 0) }
    case "ln_relu": return normalized(.layer).map { Swift.max($0, 0) }
    case "in_relu": return normalized(.instance).map { Swift.max($0, 0) }
    case "bn_swish": return normalized(.batch).map { $0 * sigmoid($0) }
    case "gn_swish": return normalized(.group).map { $0 * sigmoid($0) }
    case "bn": return normalized(.batch)
    case "gn": return normalized(.group)
    case "evonorm_b0":
      let sb = std(x, .variance, .batch)
      let si = std(x, .variance, .instance)
      return (0..<count).map { x[$0] / Swift.max(sb[$0], v[$0] * x[$0] + si[$0]) }
    case "evonorm_b1":
      let sb = std(x, .variance, .batch)
      let si = std(x, .secondMoment, .instance)
      return (0..<count).map { x[$0] / Swift.max(sb[$0], (x[$0] + v[$0]) * si[$0]) }
    case "evonorm_b2":
      let sb = std(x, .variance, .batch)
      let si = std(x, .secondMoment, .instance)
      return (0..<count).map { x[$0] / Swift.max(sb[$0], si[$0] - x[$0]) }
    case "evonorm_s0":
      let s = std(x, .variance, .group)
      return (0..<count).map { x[$0] * sigmoid(v[$0] * x[$0]) / s[$0] }
    case "evonorm_s1":
      let s = std(x, .variance, .group)
      return (0..<count).map { x[$0] * sigmoid(x[$0]) / s[$0] }
    case "evonorm_s2":
      let s = std(x, .secondMoment, .group)
      return (0..<count).map { x[$0] * sigmoid(x[$0]) / s[$0] }
    case "batch_std":
      let s = std(x, .variance, .batch)
      return (0..<count).map { x[$0] / s[$0] }
    case "group_std":
      let s = std(x, .variance, .group)
      return (0..<count).map { x[$0] / s[$0] }
    case "affine", "identity": return x
    default: return nil
    }
  }
}
