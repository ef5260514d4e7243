import Foundation
import Testing

@testable import EvoGraph

/// The vectorised e^x, sigmoid and tanh of `Lanes` against libm.
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
