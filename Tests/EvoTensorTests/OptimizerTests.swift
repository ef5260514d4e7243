import EvoTestSupport
import Foundation
import Testing

@testable import EvoTensor

@Suite struct OptimizerTests {
  /// Reference SGD in float64 following PyTorch's documented update rule.
  func referenceSGD(w0: Double, grads: [Double], lr: Double, momentum: Double, nesterov: Bool, wd: Double) -> Double {
    var w = w0
    var v = 0.0
    for (t, g0) in grads.enumerated() {
      var d = g0 + wd * w
      if momentum > 0 {
        v = t == 0 ? d : momentum * v + d
        d = nesterov ? d + momentum * v : v
      }
      w -= lr * d
    }
    return w
  }

  @Test(arguments: [(0.0, false), (0.9, false), (0.9, true)])
  func sgdMatchesReference(_ momentum: Double, _ nesterov: Bool) throws {
    let w = try Tensor([1.5]).requiringGrad()
    let opt = try SGD([w], learningRate: 0.1, momentum: Float(momentum), nesterov: nesterov, weightDecay: 0.01)
    let grads: [Float] = [0.5, -0.25, 1.0]
    for g in grads {
      w.grad = Tensor([g])
      try opt.step()
    }
    let expected = referenceSGD(
      w0: 1.5, grads: grads.map(Double.init), lr: 0.1, momentum: momentum, nesterov: nesterov, wd: 0.01)
    #expect(abs(Double(w.values[0]) - expected) < 1e-6)
  }

  @Test func parameterGroupsSkipWeightDecay() throws {
    let decayed = try Tensor([2]).requiringGrad()
    let plain = try Tensor([2]).requiringGrad()
    let opt = try SGD(
      [ParameterGroup([decayed]), ParameterGroup([plain], weightDecay: 0)], learningRate: 0.5, weightDecay: 0.1)
    decayed.grad = Tensor([0])
    plain.grad = Tensor([0])
    try opt.step()
    #expect(abs(decayed.values[0] - (2 - 0.5 * 0.2)) < 1e-6)
    #expect(plain.values[0] == 2)
  }

  @Test func adamFirstStepsMatchClosedForm() throws {
    let w = try Tensor([1, -1]).requiringGrad()
    let opt = try Adam([w], learningRate: 0.01)
    w.grad = Tensor([3, -0.5])
    try opt.step()
    // After one step the bias-corrected ratio m̂/√v̂ is sign(g) (up to ε).
    expectClose(w.values, [0.99, -0.99], tolerance: 1e-6)
    w.grad = Tensor([1, -0.5])
    try opt.step()
    let m = 0.9 * 0.1 * 3 + 0.1 * 1
    let v = 0.999 * 0.001 * 9 + 0.001 * 1
    let step = 0.01 * (m / (1 - 0.81)) / ((v / (1 - 0.999 * 0.999)).squareRoot() + 1e-8)
    #expect(abs(Double(w.values[0]) - (0.99 - step)) < 1e-6)
    #expect(abs(w.values[1] - (-0.98)) < 1e-6)
  }

  @Test func trainingLowersTheLossOfALeastSquaresFit() throws {
    var rng = RandomGenerator(seed: 1)
    let x = try Tensor.randn([64, 3], rng: &rng)
    let trueW = try Tensor(shape: [3, 1], values: [1, -2, 0.5])
    let y = try x.matmul(trueW)
    let w = try Tensor.zeros([3, 1]).requiringGrad()
    let opt = try SGD([w], learningRate: 0.1, momentum: 0.9)
    for _ in 0..<200 {
      opt.zeroGrad()
      try (x.matmul(w) - y).square().mean().backward()
      try opt.step()
    }
    expectClose(w.values, trueW.values, tolerance: 1e-3)
  }

  @Test func invalidHyperparametersAreErrors() {
    #expect(throws: TensorError.self) { try SGD([Tensor](), learningRate: -1) }
    #expect(throws: TensorError.self) { try SGD([Tensor](), learningRate: 0.1, nesterov: true) }
    #expect(throws: TensorError.self) { try Adam([Tensor](), beta1: 1) }
  }
}

@Suite struct ScheduleAndInitTests {
  @Test func schedules() {
    let cosine = LearningRateSchedule.cosine(base: 0.1, totalSteps: 100)
    #expect(abs(cosine.rate(at: 0) - 0.1) < 1e-7)
    #expect(abs(cosine.rate(at: 50) - 0.05) < 1e-6)
    #expect(abs(cosine.rate(at: 100)) < 1e-7)
    let stepped = LearningRateSchedule.step(base: 1, stepSize: 10, gamma: 0.5)
    #expect(stepped.rate(at: 9) == 1 && stepped.rate(at: 10) == 0.5 && stepped.rate(at: 25) == 0.25)
    let warm = LearningRateSchedule.warmup(steps: 4, then: .constant(base: 0.4))
    #expect([0, 1, 2, 3, 4].map { warm.rate(at: $0) } == [0.1, 0.2, 0.3, 0.4, 0.4])
  }

  @Test func kaimingAndXavierHaveTheirVariance() throws {
    var rng = RandomGenerator(seed: 3)
    let k = try Initializer.kaimingNormal([256, 64, 3, 3], rng: &rng)
    let std = try k.variance().item().squareRoot()
    #expect(abs(std - Float((2.0 / 576).squareRoot())) < 0.002)
    let x = try Initializer.xavierUniform([200, 300], rng: &rng)
    let bound = Float((6.0 / 500).squareRoot())
    #expect(try x.max().item() <= bound && x.min().item() >= -bound)
    #expect(abs(try x.variance().item() - bound * bound / 3) < 1e-3)
  }

  @Test(arguments: [[4, 6], [6, 4], [3, 2, 2, 2]])
  func orthogonalIsOrthonormal(_ shape: [Int]) throws {
    var rng = RandomGenerator(seed: 4)
    let q = try Initializer.orthogonal(shape, rng: &rng).reshape([shape[0], -1])
    let rows = q.shape[0]
    let cols = q.shape[1]
    let gram = rows <= cols ? try q.matmul(q.transpose()) : try q.transpose().matmul(q)
    let n = min(rows, cols)
    for i in 0..<n { for j in 0..<n { #expect(abs(gram.values[i * n + j] - (i == j ? 1 : 0)) < 1e-5) } }
  }
}
