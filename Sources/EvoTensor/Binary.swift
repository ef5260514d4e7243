import EvoLimits
import Foundation

/// A (float, float) → float function applied element by element with broadcasting.
protocol BinaryKernel {
  static func apply(_ a: Float, _ b: Float) -> Float
}

enum AddKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }
enum MaxKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a >= b ? a : b } }
enum MinKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a <= b ? a : b } }
enum PowKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { powf(a, b) } }
enum EqualKernel: BinaryKernel {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 }
}
enum NotEqualKernel: BinaryKernel {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a != b ? 1 : 0 }
}
enum LessKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a < b ? 1 : 0 } }
enum LessEqualKernel: BinaryKernel {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a <= b ? 1 : 0 }
}
enum GreaterKernel: BinaryKernel {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a > b ? 1 : 0 }
}
enum GreaterEqualKernel: BinaryKernel {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a >= b ? 1 : 0 }
}
/// x·ln(a) helper for the exponent's gradient of `pow`, defined as 0 where the base is 0.
enum LogBaseTimesKernel: BinaryKernel {
  @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a == 0 ? 0 : b * logf(a) }
}

@inline(__always)
private func binaryRun<K: BinaryKernel>(
  _: K.Type, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
  _ out: UnsafeMutablePointer<Float>, _ n: Int
) {
  switch (sa, sb) {
  case (1, 1): for i in 0..<n { out[i] = K.apply(a[i], b[i]) }
  case (0, 1):
    let x = a[0]
    for i in 0..<n { out[i] = K.apply(x, b[i]) }
  case (1, 0):
    let y = b[0]
    for i in 0..<n { out[i] = K.apply(a[i], y) }
  default: for i in 0..<n { out[i] = K.apply(a[i * sa], b[i * sb]) }
  }
}

/// Computes `K(a, b)` with NumPy broadcasting into new storage; nil when the shapes do not broadcast.
func broadcastBinary<K: BinaryKernel>(
  _ k: K.Type, _ a: Tensor, _ b: Tensor, op: String
) throws -> (shape: [Int], storage: TensorStorage)? {
  guard let shape = Shape.broadcast(a.shape, b.shape) else { return nil }
  let n = try Shape.validate(shape, op: op)
  let out = TensorStorage(uninitializedCount: n)
  let pa = a.storage.pointer
  let pb = b.storage.pointer
  let po = out.pointer
  if a.shape == b.shape {
    let sa = SendablePointer(pa)
    let sb = SendablePointer(pb)
    let so = SendablePointer(po)
    Parallel.forRanges(n, minimumPerWorker: 1 << 17) { r in
      binaryRun(K.self, sa.pointer + r.lowerBound, 1, sb.pointer + r.lowerBound, 1, so.pointer + r.lowerBound, r.count)
    }
  } else if b.count == 1 || a.count == 1 {
    binaryRun(K.self, pa, a.count == 1 ? 0 : 1, pb, b.count == 1 ? 0 : 1, po, n)
  } else {
    let loop = StridedLoop(
      shape: shape,
      strides: [
        Shape.strides(shape), Shape.broadcastStrides(a.shape, to: shape), Shape.broadcastStrides(b.shape, to: shape),
      ])
    let inner = loop.innerCount
    let sa = loop.innerStrides[1]
    let sb = loop.innerStrides[2]
    loop.forEachRun { o, oa, ob in binaryRun(K.self, pa + oa, sa, pb + ob, sb, po + o, inner) }
  }
  return (shape, out)
}

extension Tensor {
  /// Applies `K` with broadcasting, without recording; throws a shape error naming `op`.
  func combined<K: BinaryKernel>(_ k: K.Type, _ other: Tensor, op: String) throws -> Tensor {
    guard let (shape, storage) = try broadcastBinary(k, self, other, op: op) else {
      throw TensorError.shape(
        op, "shapes \(shapeString(self.shape)) and \(shapeString(other.shape)) cannot be broadcast together")
    }
    return Tensor(shape: shape, storage: storage)
  }

  /// Records a broadcasting binary op whose input gradients are given before reduction to the input shapes.
  func binary<K: BinaryKernel>(
    _ k: K.Type, _ other: Tensor, op: String,
    gradients: @escaping (_ g: Tensor, _ a: Tensor, _ b: Tensor) throws -> (Tensor?, Tensor?)
  ) throws -> Tensor {
    let y = try combined(k, other, op: op)
    guard Tensor.recordsOp(self, other) else { return y }
    let a = detached()
    let b = other.detached()
    return Tensor.record(shape: y.shape, storage: y.storage, inputs: [self, other]) { g in
      let (ga, gb) = try gradients(g, a, b)
      return [try ga?.sum(to: a.shape), try gb?.sum(to: b.shape)]
    }
  }

  /// Sums a broadcast gradient back down to `target` (the inverse of broadcasting).
  public func sum(to target: [Int]) throws -> Tensor {
    if shape == target { return self }
    let lead = rank - target.count
    guard lead >= 0 else {
      throw TensorError.shape("sum_to", "cannot reduce \(shapeString(shape)) to \(shapeString(target))")
    }
    var axes = Array(0..<lead)
    for i in 0..<target.count where target[i] == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
    return try sum(axes: axes, keepdims: false).reshape(target)
  }

  /// a + b with broadcasting.
  public func add(_ other: Tensor) throws -> Tensor {
    try binary(AddKernel.self, other, op: "add") { g, _, _ in (g, g) }
  }
  /// a − b with broadcasting.
  public func sub(_ other: Tensor) throws -> Tensor {
    try binary(SubKernel.self, other, op: "sub") { g, _, _ in (g, g.neg()) }
  }
  /// a · b with broadcasting.
  public func mul(_ other: Tensor) throws -> Tensor {
    try binary(MulKernel.self, other, op: "mul") { g, a, b in (try g * b, try g * a) }
  }
  /// a / b with broadcasting (IEEE semantics: x/0 is ±inf or NaN).
  public func div(_ other: Tensor) throws -> Tensor {
    try binary(DivKernel.self, other, op: "div") { g, a, b in (try g / b, try (g * a / (b * b)).neg()) }
  }
  /// Element-wise maximum; at ties the gradient goes to `a`.
  public func maximum(_ other: Tensor) throws -> Tensor {
    try binary(MaxKernel.self, other, op: "max") { g, a, b in
      let mask = try a.combined(GreaterEqualKernel.self, b, op: "max")
      return (try g * mask, try g * (1 - mask))
    }
  }
  /// Element-wise minimum; at ties the gradient goes to `a`.
  public func minimum(_ other: Tensor) throws -> Tensor {
    try binary(MinKernel.self, other, op: "min") { g, a, b in
      let mask = try a.combined(LessEqualKernel.self, b, op: "min")
      return (try g * mask, try g * (1 - mask))
    }
  }
  /// aᵇ element-wise with broadcasting.
  public func pow(_ exponent: Tensor) throws -> Tensor {
    try binary(PowKernel.self, exponent, op: "pow") { g, a, b in
      let y = try a.combined(PowKernel.self, b, op: "pow")
      let dA = try g * b * a.combined(PowKernel.self, b - 1, op: "pow")
      let dB = try g * a.combined(LogBaseTimesKernel.self, y, op: "pow")
      return (dA, dB)
    }
  }

  /// 1 where a == b, else 0 (no gradient).
  public func eq(_ other: Tensor) throws -> Tensor { try combined(EqualKernel.self, other, op: "eq") }
  /// 1 where a != b, else 0 (no gradient).
  public func ne(_ other: Tensor) throws -> Tensor { try combined(NotEqualKernel.self, other, op: "ne") }
  /// 1 where a < b, else 0 (no gradient).
  public func lt(_ other: Tensor) throws -> Tensor { try combined(LessKernel.self, other, op: "lt") }
  /// 1 where a <= b, else 0 (no gradient).
  public func le(_ other: Tensor) throws -> Tensor { try combined(LessEqualKernel.self, other, op: "le") }
  /// 1 where a > b, else 0 (no gradient).
  public func gt(_ other: Tensor) throws -> Tensor { try combined(GreaterKernel.self, other, op: "gt") }
  /// 1 where a >= b, else 0 (no gradient).
  public func ge(_ other: Tensor) throws -> Tensor { try combined(GreaterEqualKernel.self, other, op: "ge") }

  /// Picks `a` where `condition` is non-zero and `b` elsewhere, all three broadcast together.
  /// The gradient flows to `a` where the condition holds and to `b` elsewhere.
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard let ab = Shape.broadcast(a.shape, b.shape), let shape = Shape.broadcast(condition.shape, ab) else {
      throw TensorError.shape(
        "where",
        "shapes \(shapeString(condition.shape)), \(shapeString(a.shape)) and \(shapeString(b.shape)) cannot be broadcast together"
      )
    }
    try Shape.validate(shape, op: "where")
    let mask = try condition.combined(NotEqualKernel.self, Tensor(0), op: "where").broadcast(to: shape).detached()
    let fa = try a.broadcast(to: shape).detached()
    let fb = try b.broadcast(to: shape).detached()
    let out = TensorStorage(uninitializedCount: mask.count)
    let pm = mask.storage.pointer
    let pa = fa.storage.pointer
    let pb = fb.storage.pointer
    for i in 0..<mask.count { out.pointer[i] = pm[i] != 0 ? pa[i] : pb[i] }
    return Tensor.record(shape: shape, storage: out, inputs: [a, b]) { g in
      [try (g * mask).sum(to: a.shape), try (g * (1 - mask)).sum(to: b.shape)]
    }
  }
}

// MARK: - Operators

extension Tensor {
  public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.add(b) }
  public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.sub(b) }
  public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.mul(b) }
  public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.div(b) }
  public static func + (a: Tensor, b: Float) throws -> Tensor { try a.add(Tensor(b)) }
  public static func - (a: Tensor, b: Float) throws -> Tensor { try a.sub(Tensor(b)) }
  public static func * (a: Tensor, b: Float) throws -> Tensor { try a.mul(Tensor(b)) }
  public static func / (a: Tensor, b: Float) throws -> Tensor { try a.div(Tensor(b)) }
  public static func + (a: Float, b: Tensor) throws -> Tensor { try Tensor(a).add(b) }
  public static func - (a: Float, b: Tensor) throws -> Tensor { try Tensor(a).sub(b) }
  public static func * (a: Float, b: Tensor) throws -> Tensor { try Tensor(a).mul(b) }
  public static func / (a: Float, b: Tensor) throws -> Tensor { try Tensor(a).div(b) }
  public static prefix func - (a: Tensor) -> Tensor { a.neg() }
}
