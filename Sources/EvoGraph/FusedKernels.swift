import Foundation

/// Element-wise forward and backward of the primitives over contiguous float runs: the inner loops of
/// fused evaluation, eight lanes at a time (exp, sigmoid and tanh through a vectorised e^x; the scalar
/// tails use libm). Gradient outputs accumulate (`+=`).
enum FusedKernels {
  typealias V = SIMD8<Float>

  /// Eight floats from p[i...]; spelled element by element, which the optimiser turns into one unaligned
  /// vector load (the generic `loadUnaligned` was left as a call per vector).
  @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
    let q = p + i
    return V(q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7])
  }
  @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
  }

  /// Runs `vector` on each full group of 8 and `scalar` on the rest.
  @inline(__always) static func each(_ n: Int, _ vector: (Int) -> Void, _ scalar: (Int) -> Void) {
    var i = 0
    while i + 8 <= n { vector(i); i += 8 }
    while i < n { scalar(i); i += 1 }
  }

  /// A denominator with magnitude at least eps, keeping its sign (+eps for 0).
  @inline(__always) static func guarded(_ b: Float, _ eps: Float) -> Float {
    Swift.abs(b) >= eps ? b : (b < 0 ? -eps : eps)
  }

  @inline(__always) static func guarded(_ b: V, _ eps: Float) -> V {
    let small = abs(b) .< V(repeating: eps)
    let signed = V(repeating: eps).replacing(with: V(repeating: -eps), where: b .< V.zero)
    return b.replacing(with: signed, where: small)
  }

  @inline(__always) static func abs(_ v: V) -> V { v.replacing(with: -v, where: v .< V.zero) }

  /// e^x, eight lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial (relative error
  /// about 2e-7), scaled by 2^n through the exponent bits; overflow gives +inf, NaN stays NaN.
  @inline(__always) static func exp(_ x: V) -> V {
    let clamped = pointwiseMax(pointwiseMin(x, V(repeating: 88.0)), V(repeating: -87.0))
    // Round x·log2(e) to an integer n with the 1.5·2^23 trick: n sits in the low mantissa bits of t.
    let magic: Float = 12_582_912
    let t = clamped * 1.442_695_04 + magic
    let n = t - magic
    let r = clamped - n * 0.693_145_75 - n * 1.428_606_8e-6
    var p = V(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r * r + r + 1
    let integer = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(V(repeating: magic), to: SIMD8<Int32>.self)
    var result = p * unsafeBitCast((integer &+ 127) &<< 23, to: V.self)
    result.replace(with: V(repeating: .infinity), where: x .> V(repeating: 88.72))
    result.replace(with: V.zero, where: x .< V(repeating: -87.3))
    result.replace(with: x, where: x .!= x)
    return result
  }

  @inline(__always) static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

  /// tanh through e^(2|x|), sign restored.
  @inline(__always) static func tanh(_ x: V) -> V {
    let t = 1 - 2 / (exp(2 * abs(x)) + 1)
    return t.replacing(with: -t, where: x .< V.zero)
  }

  /// out[i] = primitive(a[i], b[i]); `statisticSqrt` takes sqrt(a + eps) instead of the signed sqrt.
  static func forward(
    _ primitive: Primitive, _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ n: Int, eps: Float, statisticSqrt: Bool
  ) {
    switch primitive {
    case .add: each(n, { store(load(a, $0) + load(b, $0), out, $0) }, { out[$0] = a[$0] + b[$0] })
    case .mul: each(n, { store(load(a, $0) * load(b, $0), out, $0) }, { out[$0] = a[$0] * b[$0] })
    case .div: each(n, { store(load(a, $0) / guarded(load(b, $0), eps), out, $0) }, { out[$0] = a[$0] / guarded(b[$0], eps) })
    case .max:
      each(n, { i in let x = load(a, i), y = load(b, i); store(y.replacing(with: x, where: x .>= y), out, i) },
           { out[$0] = a[$0] >= b[$0] ? a[$0] : b[$0] })
    case .neg: each(n, { store(-load(a, $0), out, $0) }, { out[$0] = -a[$0] })
    case .abs: each(n, { store(abs(load(a, $0)), out, $0) }, { out[$0] = Swift.abs(a[$0]) })
    case .square: each(n, { let x = load(a, $0); store(x * x, out, $0) }, { out[$0] = a[$0] * a[$0] })
    case .sqrt:
      if statisticSqrt {
        each(n, { store((load(a, $0) + eps).squareRoot(), out, $0) }, { out[$0] = (a[$0] + eps).squareRoot() })
      } else {
        each(n, { i in
          let x = load(a, i), r = abs(x).squareRoot()
          store(r.replacing(with: -r, where: x .< V.zero), out, i)
        }, { i in let v = a[i]; out[i] = v >= 0 ? v.squareRoot() : -(-v).squareRoot() })
      }
    case .sigmoid: each(n, { store(sigmoid(load(a, $0)), out, $0) }, { out[$0] = 1 / (1 + expf(-a[$0])) })
    case .tanh: each(n, { store(tanh(load(a, $0)), out, $0) }, { out[$0] = tanhf(a[$0]) })
    case .exp: each(n, { store(exp(load(a, $0)), out, $0) }, { out[$0] = expf(a[$0]) })
    case .log: for i in 0..<n { let v = a[i]; out[i] = v > 0 ? logf(v) : (v < 0 ? -logf(-v) : -.infinity) }
    case .aggregate: break
    }
  }

  /// Adds the gradient contributions of `g` (the gradient of `out`) into `ga` and `gb` (either may be
  /// nil), or stores them there when `overwriteA` / `overwriteB` (the target holds nothing yet).
  static func backward(
    _ primitive: Primitive, g: UnsafePointer<Float>, out: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    ga: UnsafeMutablePointer<Float>?, gb: UnsafeMutablePointer<Float>?, _ n: Int, eps: Float, statisticSqrt: Bool,
    overwriteA: Bool = false, overwriteB: Bool = false
  ) {
    /// target[i] (+)= contribution(i), eight lanes at a time.
    @inline(__always) func write(_ target: UnsafeMutablePointer<Float>?, overwrite: Bool, _ vector: (Int) -> V, _ scalar: (Int) -> Float) {
      guard let t = target else { return }
      if overwrite {
        each(n, { i in store(vector(i), t, i) }, { i in t[i] = scalar(i) })
      } else {
        each(n, { i in store(load(t, i) + vector(i), t, i) }, { i in t[i] += scalar(i) })
      }
    }
    @inline(__always) func writeA(_ vector: (Int) -> V, _ scalar: (Int) -> Float) { write(ga, overwrite: overwriteA, vector, scalar) }
    @inline(__always) func writeB(_ vector: (Int) -> V, _ scalar: (Int) -> Float) { write(gb, overwrite: overwriteB, vector, scalar) }
    switch primitive {
    case .add:
      writeA({ load(g, $0) }, { g[$0] })
      writeB({ load(g, $0) }, { g[$0] })
    case .mul:
      writeA({ load(g, $0) * load(b, $0) }, { g[$0] * b[$0] })
      writeB({ load(g, $0) * load(a, $0) }, { g[$0] * a[$0] })
    case .div:
      // d(a/d)/da = 1/d and d(a/d)/db = -a/d² (0 where the guard replaced b): one division per element.
      switch (ga, gb) {
      case let (ga?, gb?) where !overwriteA && !overwriteB:
        each(n, { i in
          let y = load(b, i), r = 1 / guarded(y, eps), gr = load(g, i) * r
          store(load(ga, i) + gr, ga, i)
          let db = V.zero.replacing(with: -gr * load(a, i) * r, where: abs(y) .>= V(repeating: eps))
          store(load(gb, i) + db, gb, i)
        }, { i in
          let r = 1 / guarded(b[i], eps), gr = g[i] * r
          ga[i] += gr
          gb[i] += Swift.abs(b[i]) >= eps ? -gr * a[i] * r : 0
        })
      default:
        writeA({ load(g, $0) / guarded(load(b, $0), eps) }, { g[$0] / guarded(b[$0], eps) })
        writeB({ i in
          let y = load(b, i), r = 1 / guarded(y, eps)
          return V.zero.replacing(with: -load(g, i) * load(a, i) * r * r, where: abs(y) .>= V(repeating: eps))
        }, { i in
          let r = 1 / guarded(b[i], eps)
          return Swift.abs(b[i]) >= eps ? -g[i] * a[i] * r * r : 0
        })
      }
    case .max:
      writeA({ i in V.zero.replacing(with: load(g, i), where: load(a, i) .>= load(b, i)) }, { a[$0] >= b[$0] ? g[$0] : 0 })
      writeB({ i in load(g, i).replacing(with: V.zero, where: load(a, i) .>= load(b, i)) }, { a[$0] >= b[$0] ? 0 : g[$0] })
    case .neg: writeA({ -load(g, $0) }, { -g[$0] })
    case .abs:
      writeA({ i in
        let x = load(a, i), s = V.zero.replacing(with: V(repeating: 1), where: x .> V.zero).replacing(with: V(repeating: -1), where: x .< V.zero)
        return load(g, i) * s
      }, { i in a[i] > 0 ? g[i] : (a[i] < 0 ? -g[i] : 0) })
    case .square: writeA({ 2 * load(a, $0) * load(g, $0) }, { 2 * a[$0] * g[$0] })
    case .sqrt:
      if statisticSqrt {
        writeA({ load(g, $0) * 0.5 / load(out, $0) }, { g[$0] * 0.5 / out[$0] })
      } else {
        writeA({ load(g, $0) * 0.5 / abs(load(a, $0)).squareRoot() }, { g[$0] * 0.5 / Swift.abs(a[$0]).squareRoot() })
      }
    case .sigmoid: writeA({ i in let y = load(out, i); return load(g, i) * y * (1 - y) }, { g[$0] * out[$0] * (1 - out[$0]) })
    case .tanh: writeA({ i in let y = load(out, i); return load(g, i) * (1 - y * y) }, { g[$0] * (1 - out[$0] * out[$0]) })
    case .exp: writeA({ load(g, $0) * load(out, $0) }, { g[$0] * out[$0] })
    case .log: writeA({ load(g, $0) / abs(load(a, $0)) }, { g[$0] / Swift.abs(a[$0]) })
    case .aggregate: break
    }
  }

  /// out[i] = x[i] · scale + shift.
  static func affine(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, scale: Float, shift: Float) {
    each(n, { store(load(x, $0) * scale + shift, out, $0) }, { out[$0] = x[$0] * scale + shift })
  }

  /// Whether no value is infinite or NaN (x · 0 is 0 exactly for finite x, NaN otherwise).
  static func allFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
    var vector = V.zero, scalar: Float = 0
    each(n, { vector += load(x, $0) * 0 }, { scalar += x[$0] * 0 })
    return (vector.sum() + scalar) == 0
  }

  /// Σ x[i], eight lanes wide.
  static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var vector = V.zero, tail: Float = 0
    each(n, { vector += load(x, $0) }, { tail += x[$0] })
    return vector.sum() + tail
  }

  /// Σ a[i]·b[i] and Σ a[i], eight lanes wide.
  static func dotAndSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
    var dot = V.zero, sum = V.zero, dotTail: Float = 0, sumTail: Float = 0
    each(n, { i in let x = load(a, i); dot += x * load(b, i); sum += x }, { i in dotTail += a[i] * b[i]; sumTail += a[i] })
    return (dot.sum() + dotTail, sum.sum() + sumTail)
  }

  /// out[i] = x[i] · factor.
  static func scale(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, by factor: Float) {
    each(n, { store(load(x, $0) * factor, out, $0) }, { out[$0] = x[$0] * factor })
  }

  /// out[i] += shift + x[i] · scale.
  static func addLinear(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, shift: Float, scale: Float) {
    each(n, { store(load(out, $0) + load(x, $0) * scale + shift, out, $0) }, { out[$0] += shift + x[$0] * scale })
  }
}
