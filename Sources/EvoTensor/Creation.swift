import EvoLimits

extension Tensor {
  /// A new tensor whose elements `fill(pointer, range)` writes, range by range in order, checking for
  /// cancellation between ranges (a fill of 10^9 values takes seconds).
  private static func filled(
    _ shape: [Int], op: String, _ fill: (UnsafeMutablePointer<Float>, Range<Int>) -> Void
  ) throws -> Tensor {
    let storage = TensorStorage(uninitializedCount: try Shape.validate(shape, op: op))
    let chunk = 1 << 22
    for start in stride(from: 0, to: storage.count, by: chunk) {
      try Cancellation.check(op)
      fill(storage.pointer, start..<Swift.min(start + chunk, storage.count))
    }
    return Tensor(shape: shape, storage: storage)
  }

  /// All zeros.
  public static func zeros(_ shape: [Int]) throws -> Tensor { try full(shape, 0) }
  /// All ones.
  public static func ones(_ shape: [Int]) throws -> Tensor { try full(shape, 1) }
  /// A tensor whose contents are unspecified, for kernels that write every element before reading any.
  public static func uninitialized(_ shape: [Int]) throws -> Tensor {
    let storage = TensorStorage(uninitializedCount: try Shape.validate(shape, op: "uninitialized"))
    return Tensor(shape: shape, storage: storage)
  }
  /// Every element `value`.
  public static func full(_ shape: [Int], _ value: Float) throws -> Tensor {
    try filled(shape, op: "full") { p, r in (p + r.lowerBound).initialize(repeating: value, count: r.count) }
  }

  /// `start, start+step, ...` below `end` (NumPy's arange).
  public static func arange(_ start: Float, _ end: Float, step: Float = 1) throws -> Tensor {
    guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
      throw TensorError.argument("arange", "needs finite bounds and a non-zero step")
    }
    guard let n = Checked.progressionCount(start: Double(start), end: Double(end), step: Double(step)) else {
      throw TensorError.argument("arange", "arange(\(start), \(end), step: \(step)) has too many elements")
    }
    return try filled([n], op: "arange") { p, r in for i in r { p[i] = start + Float(i) * step } }
  }

  /// `count` evenly spaced values from `start` to `end` inclusive.
  public static func linspace(_ start: Float, _ end: Float, count: Int) throws -> Tensor {
    guard count >= 0 else { throw TensorError.argument("linspace", "count must be non-negative, got \(count)") }
    let step = count > 1 ? (end - start) / Float(count - 1) : 0
    return try filled([count], op: "linspace") { p, r in for i in r { p[i] = start + Float(i) * step } }
  }

  /// Uniform values in [low, high).
  public static func rand(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomGenerator) throws -> Tensor
  {
    try filled(shape, op: "rand") { p, r in for i in r { p[i] = low + (high - low) * rng.uniform() } }
  }

  /// Normal values with the given mean and standard deviation.
  public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomGenerator) throws -> Tensor
  {
    try filled(shape, op: "randn") { p, r in for i in r { p[i] = mean + std * rng.normal() } }
  }

  /// Uniform integers in `low..<high`, stored as floats.
  public static func randint(_ shape: [Int], low: Int, high: Int, rng: inout RandomGenerator) throws -> Tensor {
    guard high > low else { throw TensorError.argument("randint", "empty range \(low)..<\(high)") }
    return try filled(shape, op: "randint") { p, r in for i in r { p[i] = Float(low + rng.int(below: high - low)) } }
  }

  /// A random permutation of `0..<n` as floats.
  public static func permutation(_ n: Int, rng: inout RandomGenerator) throws -> Tensor {
    try Shape.validate([Swift.max(n, 0)], op: "permutation")
    try MemoryLimit.check(n, of: MemoryLayout<Int>.stride, op: "permutation")
    let p = rng.permutation(Swift.max(n, 0))
    return try filled([p.count], op: "permutation") { dst, r in for i in r { dst[i] = Float(p[i]) } }
  }
}
