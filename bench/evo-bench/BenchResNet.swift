import EvoTensor

/// The benchmark's ResNet-20-style network written directly against EvoTensor (the Evo-language models
/// live in stdlib/): a 3×3 stem, 3 stages × 3 basic blocks of widths 16/32/64 (stride 2 between stages),
/// 1×1 projection shortcuts where the shape changes, BN-ReLU, global average pooling and a linear head.
final class BenchResNet {
  /// A bias-free convolution followed by batch normalisation.
  struct ConvBN {
    let weight: Tensor, gamma: Tensor, beta: Tensor, stats: RunningStats, stride: Int, padding: Int

    init(_ cin: Int, _ cout: Int, kernel: Int, stride: Int, rng: inout RandomGenerator) throws {
      weight = try Initializer.kaimingNormal([cout, cin, kernel, kernel], rng: &rng).requiringGrad()
      gamma = try Tensor.ones([cout]).requiringGrad()
      beta = try Tensor.zeros([cout]).requiringGrad()
      stats = RunningStats(channels: cout)
      self.stride = stride
      padding = kernel / 2
    }

    /// `relu` applies the ReLU inside the batch-norm kernel (BN-ReLU in one op).
    func callAsFunction(_ x: Tensor, relu: Bool = false) throws -> Tensor {
      try x.conv2d(weight, stride: stride, padding: padding).batchNorm(
        gamma: gamma, beta: beta, running: stats, training: true, relu: relu)
    }
  }

  struct Block {
    let first: ConvBN, second: ConvBN, shortcut: ConvBN?

    func callAsFunction(_ x: Tensor) throws -> Tensor {
      let h = try second(first(x, relu: true))
      return try (h + (shortcut.map { try $0(x) } ?? x)).relu()
    }
  }

  let stem: ConvBN
  let blocks: [Block]
  let head: Tensor, headBias: Tensor

  init(inChannels: Int = 1, classes: Int = 10, seed: UInt64 = 0) throws {
    var rng = RandomGenerator(seed: seed)
    stem = try ConvBN(inChannels, 16, kernel: 3, stride: 1, rng: &rng)
    var blocks: [Block] = []
    var cin = 16
    for (stage, width) in [16, 32, 64].enumerated() {
      for b in 0..<3 {
        let stride = stage > 0 && b == 0 ? 2 : 1
        let shortcut = stride != 1 || cin != width ? try ConvBN(cin, width, kernel: 1, stride: stride, rng: &rng) : nil
        blocks.append(
          Block(
            first: try ConvBN(cin, width, kernel: 3, stride: stride, rng: &rng),
            second: try ConvBN(width, width, kernel: 3, stride: 1, rng: &rng), shortcut: shortcut))
        cin = width
      }
    }
    self.blocks = blocks
    head = try Initializer.xavierUniform([classes, 64], rng: &rng).requiringGrad()
    headBias = try Tensor.zeros([classes]).requiringGrad()
  }

  func callAsFunction(_ x: Tensor) throws -> Tensor {
    var h = try stem(x, relu: true)
    for block in blocks { h = try block(h) }
    return try h.globalAvgPool().linear(head, bias: headBias)
  }

  /// Convolution weights and the head (weight decay applies) and norm parameters and biases (it does not).
  var parameterGroups: [ParameterGroup] {
    let convs = [stem] + blocks.flatMap { [$0.first, $0.second] + ($0.shortcut.map { [$0] } ?? []) }
    return [
      ParameterGroup(convs.map(\.weight) + [head]),
      ParameterGroup(convs.flatMap { [$0.gamma, $0.beta] } + [headBias], weightDecay: 0),
    ]
  }

  /// One SGD training step (momentum 0.9, weight decay 5e-4 on weights) on a fixed random batch of
  /// 1×28×28 images: the step `evo-bench tensor` and `evo-bench train` time.
  struct TrainStep {
    let model: BenchResNet, optimizer: SGD, images: Tensor, labels: [Int]

    init(batch: Int, rng: inout RandomGenerator) throws {
      model = try BenchResNet()
      optimizer = try SGD(model.parameterGroups, learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
      images = try Tensor.randn([batch, 1, 28, 28], rng: &rng)
      labels = (0..<batch).map { $0 % 10 }
    }

    func callAsFunction() throws {
      optimizer.zeroGrad()
      try model(images).crossEntropy(labels: labels).backward()
      try optimizer.step()
    }
  }
}
