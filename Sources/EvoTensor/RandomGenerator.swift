import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64): the same seed gives
/// the same numbers on every run and machine.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
  private var spareNormal: Float?

  public init(seed: UInt64) {
    var sm = seed
    func splitmix() -> UInt64 {
      sm &+= 0x9E37_79B9_7F4A_7C15
      var z = sm
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitmix()
    s1 = splitmix()
    s2 = splitmix()
    s3 = splitmix()
  }

  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// Uniform in [0, 1) with 24 bits of precision.
  public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

  /// Standard normal (Box–Muller; the second value of each pair is kept for the next call).
  public mutating func normal() -> Float {
    if let z = spareNormal {
      spareNormal = nil
      return z
    }
    var u1 = Double(next() >> 11) * 0x1p-53
    if u1 < 1e-300 { u1 = 1e-300 }
    let u2 = Double(next() >> 11) * 0x1p-53
    let r = (-2 * Foundation.log(u1)).squareRoot()
    spareNormal = Float(r * Foundation.sin(2 * .pi * u2))
    return Float(r * Foundation.cos(2 * .pi * u2))
  }

  /// Uniform integer in `0..<bound` (bound > 0), without modulo bias.
  public mutating func int(below bound: Int) -> Int { Int(next(upperBound: UInt64(bound))) }

  /// A uniformly random permutation of `0..<n` (Fisher–Yates).
  public mutating func permutation(_ n: Int) -> [Int] {
    var p = Array(0..<n)
    if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, int(below: i + 1)) } }
    return p
  }
}
