import EvoTensor
import Foundation

/// NumPy-style printing of tensors: `tensor([[1., 2.], [3., 4.]])`. Above `threshold` elements only
/// the first and last `edgeItems` of each dimension are shown, with `...` between, and only the
/// shown elements are formatted, so printing a huge tensor is instant.
enum TensorFormatting {
  static let threshold = 1000
  static let edgeItems = 3
  static let precision = 4

  static func describe(_ t: Tensor) -> String {
    let summarize = t.count > threshold
    let strides = EvoTensor.Shape.strides(t.shape)
    func shown(_ dim: Int) -> [Int?] {
      let n = t.shape[dim]
      if summarize && n > 2 * edgeItems { return Array(0..<edgeItems) + [nil] + Array((n - edgeItems)..<n) }
      return Array(0..<n)
    }
    // Collect the shown values first to choose one format for all of them.
    var samples: [Float] = []
    t.withData { data in
      func collect(_ dim: Int, _ offset: Int) {
        if dim == t.rank {
          samples.append(data[offset])
          return
        }
        for i in shown(dim) { if let i { collect(dim + 1, offset + i * strides[dim]) } }
      }
      if t.count > 0 { collect(0, 0) }
    }
    let finite = samples.filter { $0.isFinite }
    let integral = finite.allSatisfy { $0 == $0.rounded() && abs($0) < 1e8 }
    let largest = finite.map { abs($0) }.max() ?? 0
    let smallest = finite.filter { $0 != 0 }.map { abs($0) }.min() ?? 1
    let scientific = !integral && (largest >= 1e8 || smallest < 1e-4)
    func text(_ v: Float) -> String {
      if v.isNaN { return "nan" }
      if v.isInfinite { return v > 0 ? "inf" : "-inf" }
      if integral { return String(format: "%.0f.", v) }
      if scientific { return String(format: "%.\(precision)e", v) }
      return String(format: "%.\(precision)f", v)
    }
    let width = samples.map { text($0).count }.max() ?? 1
    let prefix = "tensor("
    var out = prefix
    t.withData { data in
      func render(_ dim: Int, _ offset: Int, _ indent: Int) -> String {
        if dim == t.rank {
          let s = text(data[offset])
          return String(repeating: " ", count: width - s.count) + s
        }
        let separator =
          dim == t.rank - 1
          ? ", " : "," + String(repeating: "\n", count: t.rank - 1 - dim) + String(repeating: " ", count: indent + 1)
        let parts = shown(dim).map { i in i.map { render(dim + 1, offset + $0 * strides[dim], indent + 1) } ?? "..." }
        return "[" + parts.joined(separator: separator) + "]"
      }
      if t.rank == 0 {
        out += text(data[0])
      } else if t.count == 0 {
        out += "[]"
      } else {
        out += render(0, 0, prefix.count)
      }
    }
    if t.count == 0 || summarize { out += ", shape=\(t.shape)" }
    if t.requiresGrad { out += ", requires_grad=true" }
    return out + ")"
  }
}
