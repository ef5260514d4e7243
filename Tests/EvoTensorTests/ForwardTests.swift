import EvoTestSupport
import Foundation
import Testing

@testable import EvoTensor

@Suite struct HarnessSelfCheck {
  @Test func gradientCheckCatchesAWrongBackward() throws {
    // y = x² with a deliberately wrong gradient (x instead of 2x): the checker must object.
    let x = random([3], seed: 1, low: 1, high: 2)
    withKnownIssue {
      try checkGradients([x]) { t in
        let a = t[0]
        let y = a.mapped(SquareKernel.self)
        return Tensor.record(shape: y.shape, storage: y.storage, inputs: [a]) { g in [try g * a.detached()] }
      }
    }
  }
}

@Suite struct TensorBasics {
  @Test func broadcastingFollowsNumPy() throws {
    let a = try Tensor(shape: [2, 1, 3], values: [1, 2, 3, 4, 5, 6])
    let b = try Tensor(shape: [2, 1], values: [10, 20])
    let c = try a + b
    #expect(c.shape == [2, 2, 3])
    #expect(c.values == [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26])
    #expect(throws: TensorError.self) { try Tensor.zeros([2, 3]) + Tensor.zeros([4]) }
  }

  @Test func perChannelBroadcastOverNCHW() throws {
    let x = try Tensor.ones([2, 3, 2, 2])
    let v = try Tensor(shape: [1, 3, 1, 1], values: [1, 2, 3])
    let y = try x * v
    for n in 0..<2 { for c in 0..<3 { for i in 0..<4 { #expect(y.values[(n * 3 + c) * 4 + i] == Float(c + 1)) } } }
  }

  @Test func reductionsByHand() throws {
    let x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 9])
    #expect(try x.sum().item() == 24)
    #expect(try x.sum(axes: [0]).values == [5, 7, 12])
    #expect(try x.mean(axes: [1], keepdims: true).shape == [2, 1])
    #expect(try x.mean(axes: [-1]).values == [2, 6])
    expectClose(try x.variance(axes: [1]).values, [2.0 / 3.0, 14.0 / 3.0])
    #expect(try x.max(axes: [1]).values == [3, 9])
    #expect(try x.min(axes: [0]).values == [1, 2, 3])
    #expect(try x.argmax(axis: 1).values == [2, 2])
    #expect(throws: TensorError.self) { try x.sum(axes: [2]) }
  }

  @Test func groupMomentsMatchDirectComputation() throws {
    let x = random([2, 4, 2, 2], seed: 3)
    let (mean, variance, second) = try x.groupMoments(groups: 2)
    #expect(mean.shape == [2, 4, 1, 1])
    let v = x.values
    for n in 0..<2 {
      for g in 0..<2 {
        let group = Array(v[(n * 16 + g * 8)..<(n * 16 + g * 8 + 8)]).map(Double.init)
        let mu = group.reduce(0, +) / 8
        let variance64 = group.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 8
        let second64 = group.map { $0 * $0 }.reduce(0, +) / 8
        for c in (g * 2)..<(g * 2 + 2) {
          #expect(abs(Double(mean.values[n * 4 + c]) - mu) < 1e-5)
          #expect(abs(Double(variance.values[n * 4 + c]) - variance64) < 1e-5)
          #expect(abs(Double(second.values[n * 4 + c]) - second64) < 1e-5)
        }
      }
    }
  }

  @Test func sliceFollowsPythonSemantics() throws {
    let x = try Tensor.arange(0, 10)
    #expect(try x.slice([SliceRange(start: 1, end: 8, step: 3)]).values == [1, 4, 7])
    #expect(try x.slice([SliceRange(start: nil, end: nil, step: -3)]).values == [9, 6, 3, 0])
    #expect(try x.slice([SliceRange(start: -3)]).values == [7, 8, 9])
    #expect(try x.slice([SliceRange(start: 5, end: 2)]).values == [])
    let m = try Tensor.arange(0, 12).reshape([3, 4])
    #expect(try m.slice([.all, SliceRange(start: 1, end: 3)]).values == [1, 2, 5, 6, 9, 10])
  }

  @Test func shapeOps() throws {
    let x = try Tensor.arange(0, 6).reshape([2, 3])
    #expect(try x.transpose().values == [0, 3, 1, 4, 2, 5])
    #expect(try x.reshape([-1]).shape == [6])
    #expect(try Tensor.concat([x, x], axis: 0).shape == [4, 3])
    #expect(try Tensor.stack([x, x], axis: 2).values == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    #expect(try x.pad([(0, 0), (1, 1)]).values == [0, 0, 1, 2, 0, 0, 3, 4, 5, 0])
    #expect(try x.indexSelect(axis: 0, [1, 1]).values == [3, 4, 5, 3, 4, 5])
    #expect(throws: TensorError.self) { try x.reshape([4, -1]) }
    #expect(throws: TensorError.self) { try x.permute([0, 0]) }
    #expect(throws: TensorError.self) { try x.indexSelect(axis: 0, [2]) }
  }

  @Test func reshapeSharesStorageAndWritesCopy() throws {
    let x = try Tensor.zeros([4])
    let y = try x.reshape([2, 2])
    #expect(x.storage === y.storage)
    y.withMutableData { $0[0] = 7 }
    #expect(x.values[0] == 0)
    #expect(y.values[0] == 7)
  }

  @Test func creationAndSeededRandomness() throws {
    #expect(try Tensor.linspace(0, 1, count: 5).values == [0, 0.25, 0.5, 0.75, 1])
    #expect(try Tensor.arange(1, 2, step: 0.25).values == [1, 1.25, 1.5, 1.75])
    var r1 = RandomGenerator(seed: 42)
    var r2 = RandomGenerator(seed: 42)
    #expect(try Tensor.randn([100], rng: &r1).values == Tensor.randn([100], rng: &r2).values)
    var r = RandomGenerator(seed: 7)
    let big = try Tensor.randn([100_000], mean: 1, std: 2, rng: &r)
    #expect(abs(try big.mean().item() - 1) < 0.03)
    #expect(abs(try big.variance().item().squareRoot() - 2) < 0.03)
    let ints = try Tensor.randint([1000], low: -2, high: 3, rng: &r).values
    #expect(Set(ints) == [-2, -1, 0, 1, 2])
    #expect(try Tensor.permutation(10, rng: &r).values.sorted() == (0..<10).map(Float.init))
  }
}

@Suite struct LinearAlgebraValues {
  @Test func matmulAgainstNaiveLoops() throws {
    let a = random([7, 5], seed: 1)
    let b = random([5, 3], seed: 2)
    let c = try a.matmul(b)
    for i in 0..<7 {
      for j in 0..<3 {
        let expected = (0..<5).reduce(0.0) { $0 + Double(a.values[i * 5 + $1]) * Double(b.values[$1 * 3 + j]) }
        #expect(abs(Double(c.values[i * 3 + j]) - expected) < 1e-4)
      }
    }
  }

  @Test func matmulShapeErrorNamesTheShapes() throws {
    let error = #expect(throws: TensorError.self) { try Tensor.zeros([32, 64]).matmul(Tensor.zeros([32, 10])) }
    #expect(error?.description == "matmul: [32, 64] @ [32, 10]: inner dimensions 64 and 32 differ")
    #expect(error?.kind == .shape)
  }

  @Test func conv2dAgainstDirectLoops() throws {
    // The last three run the direct 3×3 kernels (8 or 12 output channels); the others im2col + GEMM.
    for (stride, padding, dilation, groups, cout) in [
      (1, 1, 1, 1, 6), (2, 0, 1, 1, 6), (1, 2, 2, 2, 6), (1, 1, 1, 4, 4), (1, 1, 1, 1, 8), (1, 1, 1, 1, 12),
      (2, 1, 1, 1, 8),
    ] {
      // Ten images: each worker's 6-wide planes go 4 to a padded row, a full group and a short one.
      let cin = 4
      let batch = cout >= 8 ? 10 : 2
      let x = random([batch, cin, 7, 6], seed: 3)
      let w = random([cout, cin / groups, 3, 3], seed: 4)
      let b = random([cout], seed: 5)
      let geo = try ConvGeometry(
        input: x.shape, weight: w.shape, stride: stride, padding: padding, dilation: dilation, groups: groups)
      #expect(DirectConv3x3.applies(to: geo) == (cout >= 8))
      let y = try x.conv2d(w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
      let oh = y.shape[2]
      let ow = y.shape[3]
      let cinG = cin / groups
      let coutG = cout / groups
      for n in 0..<batch {
        for co in 0..<cout {
          let g = co / coutG
          for i in 0..<oh {
            for j in 0..<ow {
              var acc = Double(b.values[co])
              for ci in 0..<cinG {
                for ki in 0..<3 {
                  for kj in 0..<3 {
                    let ih = i * stride - padding + ki * dilation
                    let iw = j * stride - padding + kj * dilation
                    guard ih >= 0 && ih < 7 && iw >= 0 && iw < 6 else { continue }
                    acc +=
                      Double(x.values[((n * cin + g * cinG + ci) * 7 + ih) * 6 + iw])
                      * Double(w.values[((co * cinG + ci) * 3 + ki) * 3 + kj])
                  }
                }
              }
              #expect(abs(Double(y.values[((n * cout + co) * oh + i) * ow + j]) - acc) < 1e-4)
            }
          }
        }
      }
    }
  }

  @Test func conv2dRejectsBadShapes() throws {
    let x = try Tensor.zeros([1, 3, 5, 5])
    #expect(throws: TensorError.self) { try x.conv2d(Tensor.zeros([4, 2, 3, 3])) }
    #expect(throws: TensorError.self) { try x.conv2d(Tensor.zeros([4, 3, 7, 7])) }
    #expect(throws: TensorError.self) { try x.conv2d(Tensor.zeros([4, 3, 3, 3]), stride: 0) }
    #expect(throws: TensorError.self) { try x.conv2d(Tensor.zeros([4, 3, 3, 3]), groups: 2) }
    #expect(throws: TensorError.self) { try Tensor.zeros([3, 5, 5]).conv2d(Tensor.zeros([4, 3, 3, 3])) }
  }

  @Test func poolingByHand() throws {
    let x = try Tensor.arange(0, 16).reshape([1, 1, 4, 4])
    #expect(try x.maxPool2d(kernel: 2).values == [5, 7, 13, 15])
    #expect(try x.avgPool2d(kernel: 2).values == [2.5, 4.5, 10.5, 12.5])
    #expect(try x.globalAvgPool().values == [7.5])
    let small = try Tensor(shape: [1, 1, 1, 2], values: [1, 2])
    #expect(try small.upsampleNearest2x().values == [1, 1, 2, 2, 1, 1, 2, 2])
  }
}

@Suite struct NeuralValues {
  @Test func softmaxAndCrossEntropyClosedForm() throws {
    let logits = try Tensor(shape: [2, 3], values: [1, 2, 3, 0, 0, 1000])
    let p = try logits.softmax()
    expectClose(try p.sum(axes: [1]).values, [1, 1])
    let e = [exp(1.0), exp(2.0), exp(3.0)]
    expectClose(Array(p.values[0..<3]), e.map { Float($0 / e.reduce(0, +)) })
    let loss = try logits.crossEntropy(labels: [0, 2]).item()
    let expected = (-log(e[0] / e.reduce(0, +)) + 0) / 2
    #expect(abs(Double(loss) - expected) < 1e-5)
    #expect(throws: TensorError.self) { try logits.crossEntropy(labels: [0, 3]) }
    #expect(throws: TensorError.self) { try logits.crossEntropy(labels: [0]) }
  }

  @Test func batchNormMatchesComposedFormula() throws {
    let x = random([4, 3, 2, 2], seed: 9)
    let gamma = random([3], seed: 10)
    let beta = random([3], seed: 11)
    let stats = RunningStats(channels: 3)
    let fused = try x.batchNorm(gamma: gamma, beta: beta, running: stats, training: true)
    let mean = try x.mean(axes: [0, 2, 3], keepdims: true)
    let variance = try x.variance(axes: [0, 2, 3], keepdims: true)
    let composed =
      try (x - mean) / (variance + 1e-5).sqrt() * gamma.reshape([1, 3, 1, 1]) + beta.reshape([1, 3, 1, 1])
    expectClose(fused.values, composed.values, tolerance: 1e-4)
    // Moving averages: 0.9·initial + 0.1·batch statistic.
    expectClose(stats.mean.values, try mean.values.map { 0.1 * $0 })
    expectClose(stats.variance.values, try variance.values.map { 0.9 + 0.1 * $0 })
    let inference = try x.batchNorm(gamma: gamma, beta: beta, running: stats, training: false)
    let expected =
      try (x - stats.mean.reshape([1, 3, 1, 1])) / (stats.variance.reshape([1, 3, 1, 1]) + 1e-5).sqrt()
      * gamma.reshape([1, 3, 1, 1]) + beta.reshape([1, 3, 1, 1])
    expectClose(inference.values, expected.values)
  }
}

@Suite struct AutogradBehaviour {
  @Test func gradientsAccumulateAndNoGradStopsRecording() throws {
    let w = try Tensor([1, 2, 3]).requiringGrad()
    try (w * 2).sum().backward()
    try (w * 3).sum().backward()
    #expect(w.grad?.values == [5, 5, 5])
    let y = try Autograd.withNoGrad { try w * 2 }
    #expect(!y.requiresGrad)
    #expect(throws: TensorError.self) { try y.sum().backward() }
    #expect(throws: TensorError.self) { try (w * 2).backward() }
  }

  @Test func sharedSubexpressionsSumTheirGradients() throws {
    let x = try Tensor([3]).requiringGrad()
    let y = try x * x
    try (y + y * x).sum().backward()  // d/dx (x² + x³) = 2x + 3x² = 33
    #expect(x.grad?.values == [33])
  }

  @Test func cancellationStopsLongKernels() throws {
    let token = CancellationToken()
    token.request()
    let error = #expect(throws: TensorError.self) {
      try Cancellation.withToken(token) { try Tensor.zeros([4, 3, 8, 8]).conv2d(Tensor.zeros([2, 3, 3, 3])) }
    }
    #expect(error?.kind == .cancelled)
    token.reset()
    #expect(
      try Cancellation.withToken(token) { try Tensor.zeros([4, 3, 8, 8]).conv2d(Tensor.zeros([2, 3, 3, 3])) }.shape == [
        4, 2, 6, 6,
      ])
  }
}

@Suite struct WindowsThatDoNotFit {
  @Test func kernelsLargerThanThePaddedInputAreErrors() {
    #expect(throws: TensorError.self) { try Tensor.zeros([1, 1, 2, 2]).maxPool2d(kernel: 3) }
    #expect(throws: TensorError.self) { try Tensor.zeros([1, 1, 5, 5]).conv2d(Tensor.zeros([1, 1, 7, 7]), stride: 3) }
    #expect(throws: TensorError.self) { try Tensor.zeros([1, 1, 5, 5]).avgPool2d(kernel: 7, stride: 3) }
  }

  @Test func emptyTensorsAreValid() throws {
    #expect(try Tensor(shape: [0], values: []).count == 0)
    #expect(try Tensor.zeros([0, 3]).sum(axes: [0]).values == [0, 0, 0])
    #expect(throws: TensorError.self) { try Tensor.zeros([0]).max() }
    #expect(throws: TensorError.self) {
      try Tensor.zeros([2, 0, 2, 2]).batchNorm(
        gamma: Tensor.zeros([0]), beta: Tensor.zeros([0]), running: nil, training: true)
    }
  }
}

@Suite struct FinitenessTests {
  @Test func isFiniteSeesNaNAndInfinity() throws {
    #expect(try Tensor(shape: [2, 2], values: [1, -2, 0, 3e38]).isFinite)
    #expect(!(try Tensor(shape: [3], values: [1, .nan, 2]).isFinite))
    #expect(!(try Tensor(shape: [2], values: [-.infinity, 0]).isFinite))
  }
}
