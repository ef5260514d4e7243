import Foundation
import Testing

@testable import EvoGraph

/// The vectorised e^x, log, sigmoid and tanh of `Lanes` against libm.
@Suite struct FusedKernelTests {
  func lanes(_ values: [Float]) -> [FusedKernels.V] {
    stride(from: 0, to: values.count, by: 8).map { i in
      var v = FusedKernels.V()
      for k in 0..<8 { v[k] = i + k < values.count ? values[i + k] : 0 }
      return v
    }
  }

  @Test func expIsAccurateAcrossTheRange() {
    let xs = stride(from: Float(-86), through: 88, by: 0.037).map { $0 }
    for (i, v) in lanes(xs).enumerated() {
      let e = FusedKernels.V.exp(v)
      for k in 0..<8 where i * 8 + k < xs.count {
        let want = Foundation.exp(Double(xs[i * 8 + k]))
        #expect(abs(Double(e[k]) - want) <= 1e-6 * want, "exp(\(xs[i * 8 + k])) = \(e[k]), want \(want)")
      }
    }
  }

  @Test func expKeepsOverflowUnderflowAndNaN() {
    let e = FusedKernels.V.exp(FusedKernels.V(100, -200, .nan, .infinity, -.infinity, 88.7, 0, 1))
    #expect(e[0] == .infinity && e[1] == 0 && e[2].isNaN && e[3] == .infinity && e[4] == 0)
    #expect(e[5].isFinite && e[6] == 1 && abs(e[7] - Float(M_E)) < 1e-6)
  }

  @Test func logIsAccurateFromSubnormalsToTheLargestFloat() {
    // Every binade from the smallest subnormal to the largest float, at 37 points each, and around 1.
    var xs: [Float] = []
    for e in -149...127 {
      for k in 0..<37 { xs.append(Float(sign: .plus, exponent: e, significand: 1 + Float(k) / 37)) }
    }
    xs += stride(from: Float(0.9), through: 1.1, by: 0.0013).map { $0 }
    xs = xs.filter(\.isFinite)
    for (i, v) in lanes(xs).enumerated() {
      let l = FusedKernels.V.logOfPositive(v)
      for k in 0..<8 where i * 8 + k < xs.count {
        let want = Foundation.log(Double(xs[i * 8 + k]))
        // A few float ulps of the result (plus a little absolute slack where ln x is near 0).
        #expect(
          abs(Double(l[k]) - want) <= 3e-7 * abs(want) + 6e-8,
          "log(\(xs[i * 8 + k])) = \(l[k]), want \(want)")
      }
    }
  }

  @Test func logPassesInfinityAndNaN() {
    let l = FusedKernels.V.logOfPositive(FusedKernels.V(.infinity, .nan, 1, Float(M_E), 0.5, 2, 4, 8))
    #expect(l[0] == .infinity && l[1].isNaN && l[2] == 0 && abs(l[3] - 1) < 2e-7)
    #expect(abs(l[4] + Float(M_LN2)) < 1e-7 && abs(l[5] - Float(M_LN2)) < 1e-7 && abs(l[7] - 3 * Float(M_LN2)) < 3e-7)
  }

  @Test func sigmoidAndTanhMatchLibm() {
    let xs = stride(from: Float(-30), through: 30, by: 0.013).map { $0 }
    for (i, v) in lanes(xs).enumerated() {
      let s = FusedKernels.V.sigmoid(v)
      let t = FusedKernels.V.tanh(v)
      for k in 0..<8 where i * 8 + k < xs.count {
        let x = Double(xs[i * 8 + k])
        #expect(abs(Double(s[k]) - 1 / (1 + Foundation.exp(-x))) < 2e-7, "sigmoid(\(x))")
        #expect(abs(Double(t[k]) - Foundation.tanh(x)) < 3e-7, "tanh(\(x))")
      }
    }
  }
}
