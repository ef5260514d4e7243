import Foundation

/// A float → float function applied element by element; generic code over it is specialised per kernel.
protocol UnaryKernel {
  static func apply(_ x: Float) -> Float
}

enum NegKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { -x } }
enum AbsKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { abs(x) } }
enum SquareKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { x * x } }
enum SqrtKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { x.squareRoot() } }
enum RsqrtKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { 1 / x.squareRoot() } }
enum ExpKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { expf(x) } }
enum LogKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { logf(x) } }
enum SigmoidKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { 1 / (1 + expf(-x)) } }
enum TanhKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { tanhf(x) } }
enum SinKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { sinf(x) } }
enum CosKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { cosf(x) } }
enum ReluKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { x > 0 ? x : 0 } }
enum SwishKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { x / (1 + expf(-x)) } }
enum SignKernel: UnaryKernel {
  @inline(__always) static func apply(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}
/// Indicator of a positive value: the derivative of relu.
enum PositiveKernel: UnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { x > 0 ? 1 : 0 } }
/// Derivative of swish: s(x)·(1 + x·(1 − s(x))).
enum SwishGradKernel: UnaryKernel {
  @inline(__always) static func apply(_ x: Float) -> Float {
    let s = 1 / (1 + expf(-x))
    return s * (1 + x * (1 - s))
  }
}

/// Applies a kernel over `count` contiguous floats, split over cores when large.
@inline(__always)
func mapUnary<K: UnaryKernel>(_: K.Type, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int)
{
  let s = SendablePointer(UnsafeMutablePointer(mutating: src))
  let d = SendablePointer(dst)
  Parallel.forRanges(count, minimumPerWorker: 1 << 17) { range in
    unaryLoop(K.self, s.pointer + range.lowerBound, d.pointer + range.lowerBound, range.count)
  }
}

@inline(__always)
private func unaryLoop<K: UnaryKernel>(
  _: K.Type, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int
) {
  for i in 0..<n { dst[i] = K.apply(src[i]) }
}

extension Tensor {
  /// Applies `K` element-wise without recording anything.
  func mapped<K: UnaryKernel>(_ k: K.Type) -> Tensor {
    let out = TensorStorage(uninitializedCount: count)
    mapUnary(k, storage.pointer, out.pointer, count)
    return Tensor(shape: shape, storage: out)
  }

  /// Element-wise op whose gradient is `g * derivative(x, y)` for the input x and output y.
  func unary<K: UnaryKernel>(_ k: K.Type, derivative: @escaping (Tensor, Tensor) throws -> Tensor) -> Tensor {
    let y = mapped(k)
    guard Tensor.recordsOp(self) else { return y }
    let x = detached()
    let saved = y.detached()
    return Tensor.record(shape: shape, storage: y.storage, inputs: [self]) { g in [try g * derivative(x, saved)] }
  }

  /// −x.
  public func neg() -> Tensor { unary(NegKernel.self) { _, _ in Tensor(-1) } }
  /// |x|.
  public func abs() -> Tensor { unary(AbsKernel.self) { x, _ in x.mapped(SignKernel.self) } }
  /// x².
  public func square() -> Tensor { unary(SquareKernel.self) { x, _ in try x * 2 } }
  /// √x (NaN below zero; EvoGraph's `signedSqrt` is the paper's variant).
  public func sqrt() -> Tensor { unary(SqrtKernel.self) { _, y in try 0.5 / y } }
  /// 1/√x.
  public func rsqrt() -> Tensor { unary(RsqrtKernel.self) { _, y in try y * y * y * -0.5 } }
  /// eˣ.
  public func exp() -> Tensor { unary(ExpKernel.self) { _, y in y } }
  /// ln x (NaN below zero; EvoGraph's `signedLog` is the paper's variant).
  public func log() -> Tensor { unary(LogKernel.self) { x, _ in try 1 / x } }
  /// 1 / (1 + e⁻ˣ).
  public func sigmoid() -> Tensor { unary(SigmoidKernel.self) { _, y in try y * (1 - y) } }
  /// tanh x.
  public func tanh() -> Tensor { unary(TanhKernel.self) { _, y in try 1 - y * y } }
  /// Sine element-wise.
  public func sin() -> Tensor { unary(SinKernel.self) { x, _ in x.mapped(CosKernel.self) } }
  /// Cosine element-wise.
  public func cos() -> Tensor { unary(CosKernel.self) { x, _ in x.mapped(SinKernel.self).neg() } }
  /// Swift.max(x, 0).
  public func relu() -> Tensor { unary(ReluKernel.self) { x, _ in x.mapped(PositiveKernel.self) } }
  /// x·sigmoid(x), also called SiLU.
  public func swish() -> Tensor { unary(SwishKernel.self) { x, _ in x.mapped(SwishGradKernel.self) } }
  /// −1, 0 or 1 (gradient zero).
  public func sign() -> Tensor { mapped(SignKernel.self) }

  /// Clamps to `[lower, upper]` (either bound may be nil); the gradient passes where the value was inside.
  public func clamp(min lower: Float? = nil, max upper: Float? = nil) -> Tensor {
    let lo = lower ?? -.infinity
    let hi = upper ?? .infinity
    let out = TensorStorage(uninitializedCount: count)
    let mask = TensorStorage(uninitializedCount: count)
    let src = storage.pointer
    for i in 0..<count {
      let v = src[i]
      out.pointer[i] = Swift.min(Swift.max(v, lo), hi)
      mask.pointer[i] = (v >= lo && v <= hi) ? 1 : 0
    }
    let maskTensor = Tensor(shape: shape, storage: mask)
    return Tensor.record(shape: shape, storage: out, inputs: [self]) { g in [try g * maskTensor] }
  }

  /// Raises every element to a constant power.
  public func pow(_ exponent: Float) -> Tensor {
    let out = TensorStorage(uninitializedCount: count)
    let src = storage.pointer
    for i in 0..<count { out.pointer[i] = powf(src[i], exponent) }
    let x = detached()
    return Tensor.record(shape: shape, storage: out, inputs: [self]) { g in
      [try g * (x.pow(exponent - 1) * exponent)]
    }
  }
}
