import Foundation

/// What the element-wise rules compute on: one `Float` (the scalar tails of the Swift sweeps), eight
/// lanes of `SIMD8<Float>` (the Swift sweeps' inner loops) or C source text (`CCode`, the generated
/// native sweeps). A rule written once over `Lanes` is the same arithmetic in all three.
protocol Lanes {
  /// The result of a comparison, one truth value per lane.
  associatedtype Mask

  /// The constant in every lane.
  init(_ constant: Float)

  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Self) -> Self
  static func / (a: Self, b: Self) -> Self
  static prefix func - (a: Self) -> Self

  /// a > b.
  static func isGreater(_ a: Self, _ b: Self) -> Mask
  /// a ≥ b.
  static func isGreaterOrEqual(_ a: Self, _ b: Self) -> Mask
  /// a < b.
  static func isLess(_ a: Self, _ b: Self) -> Mask
  /// a is NaN.
  static func isNaN(_ a: Self) -> Mask
  /// `then` where the mask holds, else `otherwise`.
  static func select(_ mask: Mask, _ then: Self, _ otherwise: Self) -> Self

  /// |a|.
  static func abs(_ a: Self) -> Self
  /// √a.
  static func sqrt(_ a: Self) -> Self
  /// eᵃ: libm for one float, `expApproximation` for lanes and C.
  static func exp(_ a: Self) -> Self
  /// tanh a: libm for one float, `tanhThroughExp` for lanes and C.
  static func tanh(_ a: Self) -> Self
  /// ln a for a > 0: libm for one float, `logApproximation` for lanes and C.
  static func logOfPositive(_ a: Self) -> Self
  /// For a positive normal a = m·2ᵉ with m in [0.5, 1): m, through the bits.
  static func mantissa(_ a: Self) -> Self
  /// For a positive normal a = m·2ᵉ with m in [0.5, 1): e, through the bits.
  static func exponent(_ a: Self) -> Self
  /// 2ⁿ, for t = n + 1.5·2²³ with n an integer (n sits in t's low mantissa bits), through the exponent bits.
  static func powerOfTwo(magicRounded t: Self) -> Self
  /// The value, named when it is used more than once (a local variable in C).
  static func bind(_ a: Self) -> Self
}

extension Lanes {
  static func bind(_ a: Self) -> Self { a }

  /// Whether `guarded` keeps the denominator b as it is: |b| ≥ eps.
  @inline(__always) static func keepsDenominator(_ b: Self, eps: Self) -> Mask { isGreaterOrEqual(abs(b), eps) }

  /// A denominator with magnitude at least eps, keeping its sign (+eps for 0 and NaN).
  @inline(__always) static func guarded(_ b: Self, eps: Self) -> Self {
    select(keepsDenominator(b, eps: eps), b, select(isLess(b, Self(0)), -eps, eps))
  }

  /// The search space's sqrt: sign(a)·√|a|.
  @inline(__always) static func signedSqrt(_ a: Self) -> Self {
    let r = bind(sqrt(abs(a)))
    return select(isLess(a, Self(0)), -r, r)
  }

  /// The search space's log: sign(a)·ln|a|, −∞ at 0.
  @inline(__always) static func signedLog(_ a: Self) -> Self {
    let l = bind(logOfPositive(abs(a)))
    return select(isGreater(a, Self(0)), l, select(isLess(a, Self(0)), -l, Self(-.infinity)))
  }

  /// max(a, b), a on ties.
  @inline(__always) static func maximum(_ a: Self, _ b: Self) -> Self { select(isGreaterOrEqual(a, b), a, b) }

  /// 1 / (1 + e⁻ᵃ).
  @inline(__always) static func sigmoid(_ a: Self) -> Self { Self(1) / (Self(1) + exp(-a)) }

  /// eˣ: x = n·ln2 + r with |r| ≤ ln2/2, eʳ by a degree-6 polynomial (relative error about 2e-7),
  /// scaled by 2ⁿ through the exponent bits; overflow gives +∞, underflow 0, NaN stays NaN.
  @inline(__always) static func expApproximation(_ x: Self) -> Self {
    var clamped = select(isLess(x, Self(88)), x, Self(88))
    clamped = bind(select(isGreater(clamped, Self(-87)), clamped, Self(-87)))
    // Round x·log2(e) to an integer n with the 1.5·2^23 trick: n sits in the low mantissa bits of t.
    let magic = Self(12_582_912)
    let t = bind(clamped * Self(1.442_695_04) + magic)
    let n = bind(t - magic)
    let r = bind(clamped - n * Self(0.693_145_75) - n * Self(1.428_606_8e-6))
    var p = Self(1.0 / 720)
    p = p * r + Self(1.0 / 120)
    p = p * r + Self(1.0 / 24)
    p = p * r + Self(1.0 / 6)
    p = p * r + Self(0.5)
    p = bind(p * r * r + r + Self(1))
    var result = bind(p * powerOfTwo(magicRounded: t))
    result = bind(select(isGreater(x, Self(88.72)), Self(.infinity), result))
    result = bind(select(isLess(x, Self(-87.3)), Self(0), result))
    return select(isNaN(x), x, result)
  }

  /// ln x for x > 0 (Cephes logf): x = m·2ᵉ with m in [√½, √2), ln m by a degree-9 polynomial in m − 1,
  /// e·ln2 added in two parts; subnormals are scaled by 2²³ first; +∞ and NaN pass through.
  @inline(__always) static func logApproximation(_ x: Self) -> Self {
    let subnormal = isLess(x, Self(Float.leastNormalMagnitude))
    let scaled = bind(select(subnormal, x * Self(8_388_608), x))
    let e0 = bind(exponent(scaled) - select(subnormal, Self(23), Self(0)))
    let m0 = bind(mantissa(scaled))
    let low = isLess(m0, Self(0.707_106_781))
    let e = bind(select(low, e0 - Self(1), e0))
    let m = bind(select(low, m0 + m0 - Self(1), m0 - Self(1)))
    let z = bind(m * m)
    var y = Self(7.037_683_629_2e-2)
    y = y * m - Self(1.151_461_031_0e-1)
    y = y * m + Self(1.167_699_874_0e-1)
    y = y * m - Self(1.242_014_084_6e-1)
    y = y * m + Self(1.424_932_278_7e-1)
    y = y * m - Self(1.666_805_766_5e-1)
    y = y * m + Self(2.000_071_476_5e-1)
    y = y * m - Self(2.499_999_399_3e-1)
    y = bind(y * m + Self(3.333_333_117_4e-1))
    y = bind(y * m * z - Self(2.121_944_40e-4) * e - Self(0.5) * z)
    let result = bind(m + y + Self(0.693_359_375) * e)
    return select(isGreater(x, Self(Float.greatestFiniteMagnitude)), x, select(isNaN(x), x, result))
  }

  /// tanh through e^(2|x|), sign restored.
  @inline(__always) static func tanhThroughExp(_ x: Self) -> Self {
    let t = bind(Self(1) - Self(2) / (exp(Self(2) * abs(x)) + Self(1)))
    return select(isLess(x, Self(0)), -t, t)
  }
}

extension Float: Lanes {
  @inline(__always) static func isGreater(_ a: Float, _ b: Float) -> Bool { a > b }
  @inline(__always) static func isGreaterOrEqual(_ a: Float, _ b: Float) -> Bool { a >= b }
  @inline(__always) static func isLess(_ a: Float, _ b: Float) -> Bool { a < b }
  @inline(__always) static func isNaN(_ a: Float) -> Bool { a.isNaN }
  @inline(__always) static func select(_ mask: Bool, _ then: Float, _ otherwise: Float) -> Float {
    mask ? then : otherwise
  }
  @inline(__always) static func abs(_ a: Float) -> Float { Swift.abs(a) }
  @inline(__always) static func sqrt(_ a: Float) -> Float { a.squareRoot() }
  @inline(__always) static func exp(_ a: Float) -> Float { expf(a) }
  @inline(__always) static func tanh(_ a: Float) -> Float { tanhf(a) }
  @inline(__always) static func logOfPositive(_ a: Float) -> Float { logf(a) }
  @inline(__always) static func mantissa(_ a: Float) -> Float {
    Float(bitPattern: (a.bitPattern & 0x007f_ffff) | 0x3f00_0000)
  }
  @inline(__always) static func exponent(_ a: Float) -> Float { Float(Int32((a.bitPattern >> 23) & 0xff) - 126) }
  @inline(__always) static func powerOfTwo(magicRounded t: Float) -> Float {
    Float(
      bitPattern: UInt32(
        bitPattern: (Int32(bitPattern: t.bitPattern) &- Int32(bitPattern: Float(12_582_912).bitPattern) &+ 127) &<< 23))
  }
}

extension SIMD8: Lanes where Scalar == Float {
  typealias Mask = SIMDMask<SIMD8<Int32>>

  @inline(__always) init(_ constant: Float) { self.init(repeating: constant) }

  @inline(__always) static func isGreater(_ a: Self, _ b: Self) -> Mask { a .> b }
  @inline(__always) static func isGreaterOrEqual(_ a: Self, _ b: Self) -> Mask { a .>= b }
  @inline(__always) static func isLess(_ a: Self, _ b: Self) -> Mask { a .< b }
  @inline(__always) static func isNaN(_ a: Self) -> Mask { a .!= a }
  @inline(__always) static func select(_ mask: Mask, _ then: Self, _ otherwise: Self) -> Self {
    otherwise.replacing(with: then, where: mask)
  }
  @inline(__always) static func abs(_ a: Self) -> Self { a.replacing(with: -a, where: a .< Self.zero) }
  @inline(__always) static func sqrt(_ a: Self) -> Self { a.squareRoot() }
  @inline(__always) static func exp(_ a: Self) -> Self { expApproximation(a) }
  @inline(__always) static func tanh(_ a: Self) -> Self { tanhThroughExp(a) }
  @inline(__always) static func logOfPositive(_ a: Self) -> Self { logApproximation(a) }
  @inline(__always) static func mantissa(_ a: Self) -> Self {
    let bits = unsafeBitCast(a, to: SIMD8<UInt32>.self)
    return unsafeBitCast((bits & 0x007f_ffff) | 0x3f00_0000, to: Self.self)
  }
  @inline(__always) static func exponent(_ a: Self) -> Self {
    let bits = unsafeBitCast(a, to: SIMD8<Int32>.self)
    return Self((bits &>> 23) & 0xff &- 126)
  }
  @inline(__always) static func powerOfTwo(magicRounded t: Self) -> Self {
    let n = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(Self(repeating: 12_582_912), to: SIMD8<Int32>.self)
    return unsafeBitCast((n &+ 127) &<< 23, to: Self.self)
  }
}
