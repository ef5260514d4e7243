import EvoTestSupport
import Testing

@testable import EvoTensor

/// Every differentiable operation's gradient against central finite differences.
@Suite struct ElementwiseGradients {
  @Test(arguments: [
    "neg", "abs", "square", "exp", "sigmoid", "tanh", "sin", "cos", "relu", "swish", "clamp", "pow3",
  ])
  func unaryOnAnySign(_ name: String) throws {
    let x = random([3, 4], seed: 1, awayFromZero: 0.2)
    try checkGradients([x]) { t in
      let a = t[0]
      switch name {
      case "neg": return a.neg()
      case "abs": return a.abs()
      case "square": return a.square()
      case "exp": return a.exp()
      case "sigmoid": return a.sigmoid()
      case "tanh": return a.tanh()
      case "sin": return a.sin()
      case "cos": return a.cos()
      case "relu": return a.relu()
      case "swish": return a.swish()
      case "clamp": return a.clamp(min: -1.05, max: 0.95)
      default: return a.pow(3)
      }
    }
  }

  @Test(arguments: ["sqrt", "rsqrt", "log", "pow_half"])
  func unaryOnPositive(_ name: String) throws {
    let x = random([2, 5], seed: 2, low: 0.5, high: 3)
    try checkGradients([x]) { t in
      switch name {
      case "sqrt": return t[0].sqrt()
      case "rsqrt": return t[0].rsqrt()
      case "log": return t[0].log()
      default: return t[0].pow(0.5)
      }
    }
  }

  @Test(arguments: ["add", "sub", "mul", "div", "max", "min"])
  func binaryWithBroadcasting(_ name: String) throws {
    let a = random([2, 3, 4], seed: 3)
    let b = random([3, 1], seed: 4, low: 0.5, high: 2)
    try checkGradients([a, b]) { t in
      switch name {
      case "add": return try t[0] + t[1]
      case "sub": return try t[0] - t[1]
      case "mul": return try t[0] * t[1]
      case "div": return try t[0] / t[1]
      case "max": return try t[0].maximum(t[1])
      default: return try t[0].minimum(t[1])
      }
    }
  }

  @Test func powOfTwoTensors() throws {
    let a = random([3, 3], seed: 5, low: 0.5, high: 2)
    let b = random([3], seed: 6, low: -1.5, high: 1.5)
    try checkGradients([a, b]) { t in try t[0].pow(t[1]) }
  }

  @Test func whereRoutesGradients() throws {
    let cond = try Tensor(shape: [2, 3], values: [1, 0, 1, 0, 0, 1])
    let a = random([2, 3], seed: 7)
    let b = random([3], seed: 8)
    try checkGradients([a, b]) { t in try Tensor.where(cond, t[0], t[1]) }
  }

  @Test func scalarOperators() throws {
    let x = random([4], seed: 9, low: 0.5, high: 2)
    try checkGradients([x]) { t in try (2 - t[0]) * 3 + 1 / t[0] - t[0] / 4 }
  }
}

@Suite struct ReductionGradients {
  @Test(arguments: [[0], [1, 2], [0, 2], [Int]()])
  func sumMeanVariance(_ axes: [Int]) throws {
    let x = random([3, 4, 5], seed: 10)
    try checkGradients([x]) { t in try t[0].sum(axes: axes) }
    try checkGradients([x]) { t in try t[0].mean(axes: axes, keepdims: true) }
    try checkGradients([x]) { t in try t[0].variance(axes: axes) }
  }

  @Test func maxAndMin() throws {
    let x = random([4, 6], seed: 11)
    try checkGradients([x]) { t in try t[0].max(axes: [1]) }
    try checkGradients([x]) { t in try t[0].min(axes: [0], keepdims: true) }
  }

  @Test func groupMoments() throws {
    let x = random([2, 4, 3, 3], seed: 12)
    try checkGradients([x]) { t in try t[0].groupMoments(groups: 2).mean }
    try checkGradients([x]) { t in try t[0].groupMoments(groups: 2).variance }
    try checkGradients([x]) { t in try t[0].groupMoments(groups: 2).secondMoment }
  }
}

@Suite struct ShapeGradients {
  @Test func reshapePermuteTranspose() throws {
    let x = random([2, 3, 4], seed: 13)
    try checkGradients([x]) { t in try t[0].reshape([4, -1]) }
    try checkGradients([x]) { t in try t[0].permute([2, 0, 1]) }
    try checkGradients([x]) { t in try t[0].transpose(0, 2) }
    try checkGradients([x]) { t in try t[0].unsqueeze(1).squeeze(1).flatten() }
  }

  @Test func broadcastSliceIndexSelect() throws {
    let x = random([3, 1, 4], seed: 14)
    try checkGradients([x]) { t in try t[0].broadcast(to: [2, 3, 5, 4]) }
    let y = random([5, 6], seed: 15)
    try checkGradients([y]) { t in
      try t[0].slice([SliceRange(start: 1, end: 5, step: 2), SliceRange(start: -1, end: nil, step: -2)])
    }
    try checkGradients([y]) { t in try t[0].indexSelect(axis: 0, [4, 0, 4, -1]) }
    try checkGradients([y]) { t in try t[0].indexSelect(axis: 1, [2, 2]) }
  }

  @Test func concatStackPad() throws {
    let a = random([2, 3], seed: 16)
    let b = random([2, 2], seed: 17)
    let c = random([2, 3], seed: 18)
    try checkGradients([a, b]) { t in try Tensor.concat([t[0], t[1]], axis: 1) }
    try checkGradients([a, c]) { t in try Tensor.stack([t[0], t[1]], axis: 1) }
    try checkGradients([a]) { t in try t[0].pad([(1, 0), (2, 1)]) }
  }
}

@Suite struct LinearAlgebraGradients {
  @Test func matmulVariants() throws {
    let a = random([3, 4], seed: 19)
    let b = random([4, 5], seed: 20)
    try checkGradients([a, b]) { t in try t[0].matmul(t[1]) }
    let ba = random([2, 3, 4], seed: 21)
    let bb = random([2, 4, 2], seed: 22)
    try checkGradients([ba, bb]) { t in try t[0].matmul(t[1]) }
    try checkGradients([ba, b]) { t in try t[0].matmul(t[1]) }
    let v = random([4], seed: 23)
    try checkGradients([a, v]) { t in try t[0].matmul(t[1]) }
    let broadcastBatch = random([1, 4, 3], seed: 24)
    try checkGradients([ba, broadcastBatch]) { t in try t[0].matmul(t[1]) }
  }

  @Test func linearLayer() throws {
    let x = random([5, 4], seed: 25)
    let w = random([3, 4], seed: 26)
    let b = random([3], seed: 27)
    try checkGradients([x, w, b]) { t in try t[0].linear(t[1], bias: t[2]) }
  }
}

@Suite struct ConvolutionGradients {
  struct Case: CustomTestStringConvertible, Sendable {
    let input: [Int], weight: [Int], stride: Int, padding: Int, dilation: Int, groups: Int
    var testDescription: String { "x\(input) w\(weight) s\(stride) p\(padding) d\(dilation) g\(groups)" }
  }

  @Test(arguments: [
    Case(input: [2, 3, 6, 6], weight: [4, 3, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
    Case(input: [2, 2, 7, 7], weight: [3, 2, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 1),
    Case(input: [1, 2, 7, 7], weight: [2, 2, 3, 3], stride: 1, padding: 2, dilation: 2, groups: 1),
    Case(input: [3, 2, 5, 5], weight: [3, 2, 5, 5], stride: 1, padding: 2, dilation: 1, groups: 1),
    Case(input: [2, 4, 5, 5], weight: [6, 2, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 2),
    Case(input: [2, 3, 6, 6], weight: [3, 1, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 3),
    // Depthwise rows long enough for the vector loops (16 or more columns), a 5×5 kernel, dilation.
    Case(input: [2, 3, 5, 21], weight: [3, 1, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 3),
    Case(input: [2, 2, 6, 19], weight: [2, 1, 5, 5], stride: 1, padding: 2, dilation: 1, groups: 2),
    Case(input: [1, 2, 7, 9], weight: [2, 1, 3, 3], stride: 2, padding: 2, dilation: 2, groups: 2),
    Case(input: [3, 4, 4, 4], weight: [5, 4, 1, 1], stride: 1, padding: 0, dilation: 1, groups: 1),
    // The direct 3×3 kernel: planes narrower than a vector, wider than a block, a single pixel.
    Case(input: [2, 4, 5, 7], weight: [8, 4, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
    Case(input: [3, 8, 2, 11], weight: [4, 8, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
    Case(input: [2, 4, 1, 1], weight: [4, 4, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
    // 7×7 planes go 4 to a padded row: 5 images per worker make a full group, then one whose empty
    // slots still hold the previous group's images.
    Case(input: [10, 4, 7, 7], weight: [8, 4, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
    // Stride 2 through phase planes: odd and even sizes, six and three images to a padded row.
    Case(input: [3, 4, 7, 7], weight: [8, 4, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 1),
    Case(input: [2, 8, 6, 10], weight: [4, 8, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 1),
    Case(input: [9, 4, 14, 14], weight: [16, 4, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 1),
    // Rows of 10 and 9 with 16 and 12 channels: the gradient's 8 × 8 transposes and their edges.
    Case(input: [2, 4, 3, 10], weight: [16, 4, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
    Case(input: [2, 4, 2, 9], weight: [12, 4, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
    // 48 output channels: the weight gradient's 32-channel block and its 16-channel one.
    Case(input: [2, 4, 3, 5], weight: [48, 4, 3, 3], stride: 1, padding: 1, dilation: 1, groups: 1),
  ])
  func conv2d(_ c: Case) throws {
    let geo = try ConvGeometry(
      input: c.input, weight: c.weight, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
    #expect(
      DirectConv3x3.applies(to: geo)
        == (c.weight[2] == 3 && c.stride <= 2 && c.padding == 1 && c.dilation == 1 && c.groups == 1
          && c.weight[0] % 4 == 0 && c.input[1] % 4 == 0))
    let x = random(c.input, seed: 28)
    let w = random(c.weight, seed: 29)
    let b = random([c.weight[0]], seed: 30)
    try checkGradients([x, w, b]) { t in
      try t[0].conv2d(t[1], bias: t[2], stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
    }
  }

  @Test func pooling() throws {
    let x = random([2, 2, 6, 6], seed: 31)
    try checkGradients([x]) { t in try t[0].maxPool2d(kernel: 2) }
    try checkGradients([x]) { t in try t[0].maxPool2d(kernel: 3, stride: 2, padding: 1) }
    try checkGradients([x]) { t in try t[0].avgPool2d(kernel: 3, stride: 2, padding: 1) }
    try checkGradients([x]) { t in try t[0].globalAvgPool() }
    try checkGradients([x]) { t in try t[0].upsampleNearest2x() }
    let odd = random([2, 3, 5, 7], seed: 32)
    try checkGradients([odd]) { t in try t[0].avgPool2d(kernel: 2) }
    try checkGradients([odd]) { t in try t[0].upsampleNearest2x() }
  }

  /// The 2×2 average pooling and the nearest upsampling have kernels of their own, split over planes:
  /// on 64 planes (so the workers split them) they equal the same maps written with reshapes, means
  /// and broadcasts, forward and backward.
  @Test func poolingKernelsMatchReshapeFormulas() throws {
    let x = random([4, 16, 8, 10], seed: 33)
    let w = random([4, 16, 4, 5], seed: 34)
    func run(_ f: (Tensor) throws -> Tensor, _ weight: Tensor) throws -> ([Float], [Float]) {
      let input = try Tensor(shape: x.shape, values: x.values).requiringGrad()
      let y = try f(input)
      try (y * weight).sum().backward()
      return (y.values, input.grad?.values ?? [])
    }
    let pooled = try run({ try $0.avgPool2d(kernel: 2) }, w)
    let pooledByFormula = try run({ try $0.reshape([4, 16, 4, 2, 5, 2]).mean(axes: [3, 5]) }, w)
    #expect(zip(pooled.0, pooledByFormula.0).allSatisfy { abs($0 - $1) < 1e-5 })
    #expect(zip(pooled.1, pooledByFormula.1).allSatisfy { abs($0 - $1) < 1e-6 })
    let v = random([4, 16, 16, 20], seed: 35)
    let upsampled = try run({ try $0.upsampleNearest2x() }, v)
    let upsampledByFormula = try run(
      { try $0.reshape([4, 16, 8, 1, 10, 1]).broadcast(to: [4, 16, 8, 2, 10, 2]).reshape([4, 16, 16, 20]) }, v)
    #expect(upsampled.0 == upsampledByFormula.0)
    #expect(zip(upsampled.1, upsampledByFormula.1).allSatisfy { abs($0 - $1) < 1e-5 })
  }
}

@Suite struct NeuralGradients {
  @Test func softmaxFamily() throws {
    let x = random([3, 5], seed: 32)
    try checkGradients([x]) { t in try t[0].softmax(axis: 1) }
    try checkGradients([x]) { t in try t[0].logSoftmax(axis: 0) }
    try checkGradients([x]) { t in try t[0].crossEntropy(labels: [4, 0, 2]) }
  }

  @Test func ganHingeLosses() throws {
    let real = random([6, 1], seed: 33, low: -1.8, high: 1.8, awayFromZero: 0.1)
    let fake = random([6, 1], seed: 34, low: -0.8, high: 0.8)
    try checkGradients([real, fake]) { t in try Tensor.hingeDiscriminatorLoss(real: t[0], fake: t[1]) }
    try checkGradients([fake]) { t in try Tensor.hingeGeneratorLoss(fake: t[0]) }
  }

  @Test func embeddingAndDropout() throws {
    let table = random([5, 3], seed: 35)
    try checkGradients([table]) { t in try t[0].embedding([1, 4, 1]) }
    let x = random([4, 4], seed: 36)
    try checkGradients([x]) { t in
      var rng = RandomGenerator(seed: 5)
      return try t[0].dropout(0.5, training: true, rng: &rng)
    }
  }

  @Test(arguments: [true, false])
  func batchNorm(_ training: Bool) throws {
    let x = random([3, 2, 3, 3], seed: 37)
    let gamma = random([2], seed: 38)
    let beta = random([2], seed: 39)
    let stats = RunningStats(channels: 2)
    stats.mean.withMutableData {
      $0[0] = 0.3
      $0[1] = -0.2
    }
    stats.variance.withMutableData {
      $0[0] = 1.5
      $0[1] = 0.7
    }
    try checkGradients([x, gamma, beta], eps: 5e-3) { t in
      // A fresh copy of the statistics each call, so repeated evaluations see the same inputs.
      let s = RunningStats(channels: 2)
      s.mean.withMutableData {
        $0[0] = 0.3
        $0[1] = -0.2
      }
      s.variance.withMutableData {
        $0[0] = 1.5
        $0[1] = 0.7
      }
      return try t[0].batchNorm(gamma: t[1], beta: t[2], running: s, training: training)
    }
  }

  /// BN-ReLU in one op: finite differences (with these seeds no normalised value lies within eps of
  /// the kink), and values and gradients equal to batch norm followed by a separate ReLU.
  @Test(arguments: [true, false])
  func batchNormReLU(_ training: Bool) throws {
    let x = random([3, 2, 3, 3], seed: 40)
    let gamma = random([2], seed: 41)
    let beta = random([2], seed: 42)
    func stats() -> RunningStats {
      let s = RunningStats(channels: 2)
      s.mean.withMutableData {
        $0[0] = 0.3
        $0[1] = -0.2
      }
      s.variance.withMutableData {
        $0[0] = 1.5
        $0[1] = 0.7
      }
      return s
    }
    try checkGradients([x, gamma, beta], eps: 1e-3) { t in
      try t[0].batchNorm(gamma: t[1], beta: t[2], running: stats(), training: training, relu: true)
    }
    let w = random([3, 2, 3, 3], seed: 43)
    func run(fused: Bool) throws -> [[Float]] {
      let inputs = try [x, gamma, beta].map { try Tensor(shape: $0.shape, values: $0.values).requiringGrad() }
      let y =
        fused
        ? try inputs[0].batchNorm(gamma: inputs[1], beta: inputs[2], running: stats(), training: training, relu: true)
        : try inputs[0].batchNorm(gamma: inputs[1], beta: inputs[2], running: stats(), training: training).relu()
      try (y * w).sum().backward()
      return [y.values] + inputs.map { $0.grad?.values ?? [] }
    }
    let fused = try run(fused: true)
    let separate = try run(fused: false)
    #expect(fused[0].contains(0) && fused[0].contains { $0 > 0 }, "the ReLU should clip some values and pass others")
    for (a, b) in zip(fused, separate) { expectClose(a, b, tolerance: 1e-5) }
  }
}
