import EvoTensor
import Foundation

/// `evo-bench tensor`: sgemm, conv2d on ResNet-20 shapes, element-wise bandwidth and a full ResNet-20
/// training step, next to PyTorch on the same machine when it is importable.
struct TensorSuite {
  let baseline: Baseline
  let peakGflops: Double
  let quick: Bool

  func run() throws {
    BLASThreads.set(Machine.cores)
    print("evo-bench tensor — \(Machine.model), \(Machine.cores) cores, fp32 peak \(format(peakGflops)) GFLOP/s, release build")
    let hasTorch = baseline.hasModule("torch")
    let torch = hasTorch ? baseline.values(script: "tensor_baseline.py", arguments: ["--threads", "\(Machine.cores)"] + (quick ? ["--quick"] : [])) : nil
    if !hasTorch { print("(no `torch` importable by \(baseline.python): PyTorch columns are empty; set EVO_BENCH_PYTHON)") }
    var table = Table(["measurement", "Evo", "PyTorch", "speed-up"])
    func row(_ name: String, _ evo: Double, _ key: String, higherIsBetter: Bool, digits: Int = 1) {
      if let t = torch?[key] {
        table.add([name, format(evo, digits), format(t, digits), format(higherIsBetter ? evo / t : t / evo, 2)])
      } else {
        table.add([name, format(evo, digits), "-", "-"])
      }
    }
    var rng = RandomGenerator(seed: 1)
    let repeats = quick ? 1 : 5

    // sgemm
    let n = quick ? 1024 : 2048
    let a = try Tensor.randn([n, n], rng: &rng), b = try Tensor.randn([n, n], rng: &rng)
    let gemmSeconds = try bestTime(repeats: repeats) { _ = try a.matmul(b) }
    let gemm = 2 * pow(Double(n), 3) / gemmSeconds / 1e9
    row("sgemm \(n)³ GFLOP/s", gemm, "sgemm_gflops", higherIsBetter: true)

    // conv2d on the ResNet-20 shapes
    let batch = quick ? 32 : 128
    for (c, hw) in [(16, 28), (32, 14), (64, 7)] {
      let x = try Tensor.randn([batch, c, hw, hw], rng: &rng).requiringGrad()
      let w = try Tensor.randn([c, c, 3, 3], rng: &rng).requiringGrad()
      let flops = 2.0 * Double(batch * c * hw * hw * c * 9)
      let forward = try bestTime(repeats: repeats) { _ = try Autograd.withNoGrad { try x.conv2d(w, padding: 1) } }
      let y = try x.conv2d(w, padding: 1)
      let gradient = try Tensor.randn(y.shape, rng: &rng)
      let backward = try bestTime(repeats: repeats) {
        let y = try x.conv2d(w, padding: 1)
        try y.backward(gradient: gradient)
      } - forward
      row("conv \(c)ch \(hw)×\(hw) fwd GFLOP/s", flops / forward / 1e9, "conv\(c)_fwd_gflops", higherIsBetter: true)
      row("conv \(c)ch \(hw)×\(hw) bwd GFLOP/s", 2 * flops / backward / 1e9, "conv\(c)_bwd_gflops", higherIsBetter: true)
    }

    // element-wise bandwidth: c = a + b over 10M floats moves 3 × 40 MB
    let count = 10_000_000
    let ea = try Tensor.randn([count], rng: &rng), eb = try Tensor.randn([count], rng: &rng)
    let addSeconds = try bestTime(repeats: repeats * 2) { _ = try ea + eb }
    row("add 10M floats GB/s", 12.0 * Double(count) / addSeconds / 1e9, "add_gbps", higherIsBetter: true)

    // ResNet-20 training step
    let model = try BenchResNet()
    let opt = try SGD(model.parameterGroups, learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
    let images = try Tensor.randn([batch, 1, 28, 28], rng: &rng)
    let labels = (0..<batch).map { $0 % 10 }
    let stepSeconds = try bestTime(repeats: repeats) {
      opt.zeroGrad()
      try model(images).crossEntropy(labels: labels).backward()
      try opt.step()
    }
    row("ResNet-20 step (batch \(batch)) ms", stepSeconds * 1000, "resnet20_step_ms", higherIsBetter: false)
    row("ResNet-20 images/s", Double(batch) / stepSeconds, "resnet20_images_per_s", higherIsBetter: true)
    table.print()

    var result = "RESULT sgemm_gflops=\(format(gemm)) sgemm_peak_fraction=\(format(gemm / peakGflops, 3))"
    result += " resnet20_step_ms=\(format(stepSeconds * 1000))"
    if let t = torch?["resnet20_step_ms"] { result += " resnet20_step_speedup_vs_torch=\(format(t / (stepSeconds * 1000), 3))" }
    else { result += " resnet20_step_speedup_vs_torch=nan" }
    print(result)
  }
}
