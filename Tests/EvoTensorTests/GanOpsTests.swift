import EvoTestSupport
import Foundation
import Testing

@testable import EvoTensor

/// Spectral normalisation, the symmetric eigensolver, Fréchet distances, sorting and optimizer state.
@Suite struct GanOpsTests {
  @Test func spectralNormGradientMatchesFiniteDifferences() throws {
    let u = random([3], seed: 5)
    // Without update, σ = |Wᵀu| exactly, so the gradient with u and v held fixed is the true derivative.
    try checkGradients([random([3, 2, 2, 2], seed: 4)]) { try $0[0].spectralNormalized(u: u, update: false) }
  }

  @Test func powerIterationsReachTheLargestSingularValue() throws {
    // W = diag(3, 1) rotated: singular values 3 and 1, so W / σ has largest singular value 1.
    let c = Float(cos(0.3))
    let s = Float(sin(0.3))
    let w = try Tensor(shape: [2, 2], values: [3 * c, -s, 3 * s, c])
    let u = try Tensor(shape: [2], values: [1, 1])
    var normalized = w
    for _ in 0..<30 { normalized = try w.spectralNormalized(u: u) }
    expectClose(normalized.values, w.values.map { $0 / 3 }, tolerance: 1e-4)
    let norm = u.values.reduce(0) { $0 + $1 * $1 }
    #expect(abs(norm - 1) < 1e-5)
    let frozen = u.values
    _ = try w.spectralNormalized(u: u, update: false)
    #expect(u.values == frozen)
  }

  @Test func spectralNormRejectsAMismatchedVector() {
    #expect(throws: TensorError.self) { try Tensor.zeros([4, 3]).spectralNormalized(u: Tensor([1, 2])) }
  }

  @Test func eigenDecompositionReconstructsTheMatrix() throws {
    let (values, vectors) = try Tensor(shape: [2, 2], values: [2, 1, 1, 2]).symmetricEigen()
    expectClose(values.values, [1, 3], tolerance: 1e-6)
    let b = random([4, 4], seed: 8)
    let a = try b.matmul(b.transpose())
    let (l, v) = try a.symmetricEigen()
    let rebuilt = try (v * l).matmul(v.transpose())
    expectClose(rebuilt.values, a.values, tolerance: 1e-4)
    #expect(vectors.shape == [2, 2])
  }

  @Test func frechetDistanceOfDiagonalGaussiansHasAClosedForm() throws {
    let d = try FrechetDistance.between(mean1: [0, 1], cov1: [4, 0, 0, 1], mean2: [1, 1], cov2: [1, 0, 0, 9])
    // |Δμ|² + Σ (√a − √b)² = 1 + (2 − 1)² + (1 − 3)²
    #expect(abs(d - 6) < 1e-9)
  }

  @Test func frechetDistanceAgainstIdentityUsesEigenvalues() throws {
    // Σ₂ = R diag(4, 0.25) Rᵀ against Σ₁ = I: tr Σ₂ + 2 − 2 tr Σ₂^½ = Σ (1 − √λ)² = 1 + 0.25.
    let c = cos(0.7)
    let s = sin(0.7)
    let cov2 = [4 * c * c + 0.25 * s * s, (4 - 0.25) * c * s, (4 - 0.25) * c * s, 4 * s * s + 0.25 * c * c]
    let d = try FrechetDistance.between(mean1: [0, 0], cov1: [1, 0, 0, 1], mean2: [0, 0], cov2: cov2)
    #expect(abs(d - 1.25) < 1e-9)
  }

  @Test func frechetDistanceOfASetWithItselfIsZeroAndGrowsWithNoise() throws {
    let x = random([200, 6], seed: 1)
    #expect(try FrechetDistance.between(x, x) < 1e-9)
    var last = 0.0
    for (i, scale) in [Float(0.1), 0.5, 2].enumerated() {
      let noisy = try x + random([200, 6], seed: UInt64(20 + i)) * scale
      let d = try FrechetDistance.between(x, noisy)
      #expect(d > last)
      last = d
    }
  }

  @Test func sortOrdersEachRowOrColumn() throws {
    let t = try Tensor(shape: [2, 3], values: [3, 1, 2, 0, 5, -1])
    #expect(try t.sorted().values == [1, 2, 3, -1, 0, 5])
    #expect(try t.sorted(axis: 0).values == [0, 1, -1, 3, 5, 2])
    #expect(try t.sorted(descending: true).values == [3, 2, 1, 5, 0, -1])
  }

  @Test(arguments: ["adam", "sgd"])
  func optimizerStateResumesExactly(_ kind: String) throws {
    func make(_ p: Tensor) throws -> any Optimizer {
      kind == "adam" ? try Adam([p], learningRate: 0.1, beta1: 0) : try SGD([p], learningRate: 0.1, momentum: 0.9)
    }
    let grads: [[Float]] = [[0.5, -1], [0.25, 2], [-1, 0.5], [3, 1]]
    let a = try Tensor([1, 2]).requiringGrad()
    let optA = try make(a)
    for g in grads.prefix(2) {
      a.grad = Tensor(g)
      try optA.step()
    }
    let b = a.copy().requiringGrad()
    let optB = try make(b)
    try optB.loadState(optA.stateTensors())
    for g in grads.suffix(2) {
      a.grad = Tensor(g)
      try optA.step()
      b.grad = Tensor(g)
      try optB.step()
    }
    #expect(a.values == b.values)
    #expect(throws: TensorError.self) { try optB.loadState(["exp_avg.7": Tensor([1])]) }
  }
}
