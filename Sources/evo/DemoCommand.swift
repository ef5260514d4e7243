import ArgumentParser
import EvoTensor
import Foundation

/// `evo demo`: trains a small conv net with BN-ReLU on Fashion-MNIST and reports test accuracy — the
/// tensor core end to end (data, convolutions, autodiff, SGD) until the notebook runner takes over.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo", abstract: "Train a small CNN on Fashion-MNIST and print its test accuracy.")

  @Option(help: "Training images to use.") var limit = 12000
  @Option(help: "Epochs over those images.") var epochs = 2
  @Option(help: "Mini-batch size.") var batch = 64
  @Option(help: "Folder holding the Fashion-MNIST .gz files.") var data = Datasets.fashionMNISTDirectory
  @Option(help: "Where to save the trained weights (safetensors).") var output = "evo-out/demo.safetensors"

  func run() throws {
    do {
      try train()
    } catch let error as TensorError {
      throw ValidationError(error.description)
    }
  }

  private func train() throws {
    let trainSet = try Datasets.fashionMNIST("train", directory: data, limit: limit)
    let testSet = try Datasets.fashionMNIST("test", directory: data)
    var rng = RandomGenerator(seed: 0)
    let model = try DemoNet(rng: &rng)
    let loader = try BatchLoader(trainSet, batchSize: batch, seed: 1, dropLast: true)
    let total = loader.count * epochs
    let schedule = LearningRateSchedule.warmup(steps: 50, then: .cosine(base: 0.05, totalSteps: total))
    let opt = try SGD(model.parameterGroups, learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
    print("Training a 2-layer CNN (BN-ReLU) on \(trainSet.labels.count) Fashion-MNIST images, \(epochs) epochs of \(loader.count) steps")
    let start = Date()
    var step = 0
    for epoch in 0..<epochs {
      for batch in loader.epoch(epoch) {
        opt.learningRate = schedule.rate(at: step)
        opt.zeroGrad()
        let loss = try model(batch.images, training: true).crossEntropy(labels: batch.labels)
        try loss.backward()
        try opt.step()
        step += 1
        // A live line on a terminal, a line every 100 steps in a log.
        let interactive = isatty(1) != 0
        if step % (interactive ? 10 : 100) == 0 || step == total {
          let rate = Double(step * self.batch) / Date().timeIntervalSince(start)
          let line = String(format: "step %4d/%d  loss %.4f  %.0f img/s", step, total, try loss.item(), rate)
          print(interactive ? "\r" + line : line, terminator: interactive ? "" : "\n")
          fflush(nil)
        }
      }
    }
    print()
    var correct = 0
    for batch in try BatchLoader(testSet, batchSize: 500, shuffle: false) {
      let predicted = try Autograd.withNoGrad { try model(batch.images, training: false).argmax(axis: 1) }
      correct += zip(predicted.values, batch.labels).filter { Int($0) == $1 }.count
    }
    print(String(format: "test accuracy: %.2f%% on %d images", 100 * Double(correct) / Double(testSet.labels.count), testSet.labels.count))
    try Safetensors.save(model.namedParameters, metadata: ["model": "evo-demo-cnn"], to: output)
    print("weights saved to \(output)")
  }
}

/// conv(1→16)-BN-ReLU-pool, conv(16→32)-BN-ReLU-pool, linear(32·7·7→10).
private struct DemoNet {
  let conv1: Tensor, conv2: Tensor, gamma1: Tensor, beta1: Tensor, gamma2: Tensor, beta2: Tensor, fc: Tensor, bias: Tensor
  let stats1 = RunningStats(channels: 16), stats2 = RunningStats(channels: 32)

  init(rng: inout RandomGenerator) throws {
    conv1 = try Initializer.kaimingNormal([16, 1, 3, 3], rng: &rng).requiringGrad()
    conv2 = try Initializer.kaimingNormal([32, 16, 3, 3], rng: &rng).requiringGrad()
    gamma1 = try Tensor.ones([16]).requiringGrad(); beta1 = try Tensor.zeros([16]).requiringGrad()
    gamma2 = try Tensor.ones([32]).requiringGrad(); beta2 = try Tensor.zeros([32]).requiringGrad()
    fc = try Initializer.xavierUniform([10, 32 * 7 * 7], rng: &rng).requiringGrad()
    bias = try Tensor.zeros([10]).requiringGrad()
  }

  func callAsFunction(_ x: Tensor, training: Bool) throws -> Tensor {
    let h1 = try x.conv2d(conv1, padding: 1).batchNorm(gamma: gamma1, beta: beta1, running: stats1, training: training).relu().maxPool2d(kernel: 2)
    let h2 = try h1.conv2d(conv2, padding: 1).batchNorm(gamma: gamma2, beta: beta2, running: stats2, training: training).relu().maxPool2d(kernel: 2)
    return try h2.flatten().linear(fc, bias: bias)
  }

  var parameterGroups: [ParameterGroup] {
    [ParameterGroup([conv1, conv2, fc]), ParameterGroup([gamma1, beta1, gamma2, beta2, bias], weightDecay: 0)]
  }

  var namedParameters: [String: Tensor] {
    ["conv1.weight": conv1, "conv2.weight": conv2, "bn1.weight": gamma1, "bn1.bias": beta1, "bn2.weight": gamma2,
     "bn2.bias": beta2, "bn1.running_mean": stats1.mean, "bn1.running_var": stats1.variance,
     "bn2.running_mean": stats2.mean, "bn2.running_var": stats2.variance, "fc.weight": fc, "fc.bias": bias]
  }
}
