import EvoLimits

/// Shape arithmetic shared by all operations: element counts, row-major strides, broadcasting.
public enum Shape {
  /// Number of elements of a shape (1 for a scalar `[]`).
  public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

  /// Row-major (C-order) strides of a contiguous tensor of this shape.
  public static func strides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[i] = acc
      acc *= shape[i]
    }
    return strides
  }

  /// The NumPy broadcast of two shapes, aligned from the trailing dimension, or `nil` when they do not fit.
  public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
      let da = i < n - a.count ? 1 : a[i - (n - a.count)]
      let db = i < n - b.count ? 1 : b[i - (n - b.count)]
      if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
    }
    return out
  }

  /// Strides that read a tensor of `shape` as if it had the (broadcast) shape `target`: 0 on broadcast dims.
  static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = strides(shape)
    let offset = target.count - shape.count
    var out = [Int](repeating: 0, count: target.count)
    for i in 0..<shape.count where shape[i] != 1 { out[i + offset] = own[i] }
    return out
  }

  /// Normalises a possibly negative axis for a tensor of `rank` dimensions.
  static func axis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0 && a < max(rank, 1) else {
      throw TensorError.argument(op, "axis \(axis) is out of range for a tensor of rank \(rank)")
    }
    return a
  }

  /// Checks a shape before anything is computed from it or allocated for it: every dimension non-negative,
  /// every partial product (every stride, even of an empty tensor) within `Int`, and the float32 bytes
  /// within the memory limit (a `MemoryLimitError` naming `op`). Returns the element count.
  @discardableResult
  static func validate(_ shape: [Int], op: String) throws -> Int {
    var nonzero = 1
    for d in shape {
      guard d >= 0 else { throw TensorError.shape(op, "negative dimension in shape \(shapeString(shape))") }
      guard d > 0 else { continue }
      let (p, overflow) = nonzero.multipliedReportingOverflow(by: d)
      guard !overflow, p <= Int.max / 8 else {
        throw TensorError.shape(op, "shape \(shapeString(shape)) has too many elements")
      }
      nonzero = p
    }
    let count = shape.contains(0) ? 0 : nonzero
    try MemoryLimit.check(count, of: MemoryLayout<Float>.stride, op: op)
    return count
  }
}
