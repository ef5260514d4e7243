/// Vectorised float loops that Swift would not vectorise itself (floating-point reductions keep
/// their order unless written with explicit SIMD accumulators).
enum FloatKernels {
  /// Σ x[i].
  @inline(__always)
  static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD16<Float>()
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 16 <= n {
      acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
      i += 16
    }
    var total = acc.sum()
    while i < n {
      total += x[i]
      i += 1
    }
    return total
  }

  /// Σ (x[i] − c)².
  @inline(__always)
  static func sumSquaredDeviation(_ x: UnsafePointer<Float>, _ n: Int, from c: Float) -> Float {
    var acc = SIMD16<Float>()
    let center = SIMD16<Float>(repeating: c)
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i + 16 <= n {
      let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - center
      acc += d * d
      i += 16
    }
    var total = acc.sum()
    while i < n {
      let d = x[i] - c
      total += d * d
      i += 1
    }
    return total
  }

  /// Σ g[i]·(x[i] − c).
  @inline(__always)
  static func dotCentered(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, center c: Float) -> Float {
    var acc = SIMD16<Float>()
    let center = SIMD16<Float>(repeating: c)
    var i = 0
    let rg = UnsafeRawPointer(g)
    let rx = UnsafeRawPointer(x)
    while i + 16 <= n {
      acc +=
        rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        * (rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - center)
      i += 16
    }
    var total = acc.sum()
    while i < n {
      total += g[i] * (x[i] - c)
      i += 1
    }
    return total
  }
}
