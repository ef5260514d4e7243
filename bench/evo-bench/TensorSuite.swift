import EvoTensor
import Foundation

/// `evo-bench tensor`: sgemm, conv2d on ResNet-20 shapes, element-wise bandwidth and a full ResNet-20
/// training step, next to PyTorch on the same machine when it is importable.
struct TensorSuite {
  let baseline: Baseline
  /// The fp32 peak in GFLOP/s (measured, see `PeakFlops`, or given); nil when unknown.
  let peakGflops: Double?
  let quick: Bool
  /// Runs only this group of rows when set (sgemm, conv, add, resnet).
  let only: String?

  private var repeats: Int { quick ? 1 : 5 }
  private var batch: Int { quick ? 32 : 128 }

  private func wants(_ group: String) -> Bool { only == nil || only == group }

  func run() throws {
    BLASThreads.set(Machine.cores)
    let peak =
      peakGflops.map { "fp32 peak \(format($0)) GFLOP/s" }
      ?? "fp32 peak unknown (no C compiler to measure it; see --peak-gflops)"
    print("evo-bench tensor — \(Machine.model), \(Machine.cores) cores, \(peak), release build")
    var torch =
      baseline.hasModule("torch")
      ? baseline.values(
        script: "tensor_baseline.py", arguments: ["--threads", "\(Machine.cores)"] + (quick ? ["--quick"] : []))
      : nil
    if torch == nil {
      print("(no `torch` importable by \(baseline.python): PyTorch columns are empty; set EVO_BENCH_PYTHON)")
    }
    var table = Table(["measurement", "Evo", "PyTorch", "speed-up"])
    func row(_ name: String, _ evo: Double, _ key: String, higherIsBetter: Bool) {
      if let t = torch?[key] {
        table.add([name, format(evo), format(t), format(higherIsBetter ? evo / t : t / evo, 2)])
      } else {
        table.add([name, format(evo), "-", "-"])
      }
    }
    var rng = RandomGenerator(seed: 1)
    var result = "RESULT"

    if wants("sgemm") {
      let n = quick ? 1024 : 2048
      let a = try Tensor.randn([n, n], rng: &rng)
      let b = try Tensor.randn([n, n], rng: &rng)
      let gemm = 2 * pow(Double(n), 3) / (try bestTime(repeats: repeats) { _ = try a.matmul(b) }) / 1e9
      row("sgemm \(n)³ GFLOP/s", gemm, "sgemm_gflops", higherIsBetter: true)
      result += " sgemm_gflops=\(format(gemm))"
      if let peakGflops {
        result += " peak_gflops=\(format(peakGflops)) sgemm_peak_fraction=\(format(gemm / peakGflops, 3))"
      }
    }
    if wants("conv") {
      for (c, hw) in [(16, 28), (32, 14), (64, 7)] {
        let (forward, backward) = try convGflops(channels: c, size: hw, rng: &rng)
        row("conv \(c)ch \(hw)×\(hw) fwd GFLOP/s", forward, "conv\(c)_fwd_gflops", higherIsBetter: true)
        row("conv \(c)ch \(hw)×\(hw) bwd GFLOP/s", backward, "conv\(c)_bwd_gflops", higherIsBetter: true)
      }
    }
    if wants("add") {
      // c = a + b over 10M floats moves 3 × 40 MB.
      let count = 10_000_000
      let a = try Tensor.randn([count], rng: &rng)
      let b = try Tensor.randn([count], rng: &rng)
      row(
        "add 10M floats GB/s", 12.0 * Double(count) / (try bestTime(repeats: repeats * 2) { _ = try a + b }) / 1e9,
        "add_gbps", higherIsBetter: true)
    }
    if wants("resnet") {
      // Three windows each, alternating (torch's first is its full run above): the machine's speed
      // drifts over a minute, and a single window apiece can land Evo and PyTorch in different spells.
      var seconds = try resnetStepSeconds(rng: &rng)
      var torchStep = torch?["resnet20_step_ms"]
      if var best = torchStep {
        for _ in 0..<(quick ? 1 : 2) {
          let again = baseline.values(
            script: "tensor_baseline.py",
            arguments: ["--threads", "\(Machine.cores)", "--only", "resnet"] + (quick ? ["--quick"] : []))
          best = Swift.min(best, again?["resnet20_step_ms"] ?? best)
          seconds = Swift.min(seconds, try resnetStepSeconds(rng: &rng))
        }
        torchStep = best
        torch?["resnet20_step_ms"] = best
        torch?["resnet20_images_per_s"] = Double(batch) / (best / 1000)
      }
      row("ResNet-20 step (batch \(batch)) ms", seconds * 1000, "resnet20_step_ms", higherIsBetter: false)
      row("ResNet-20 images/s", Double(batch) / seconds, "resnet20_images_per_s", higherIsBetter: true)
      result += " resnet20_step_ms=\(format(seconds * 1000))"
      result += " resnet20_step_speedup_vs_torch=" + (torchStep.map { format($0 / (seconds * 1000), 3) } ?? "nan")
    }
    table.print()
    print(result)
  }

  /// Forward and backward GFLOP/s of a 3×3, padding-1 convolution with `channels` in and out.
  private func convGflops(channels c: Int, size hw: Int, rng: inout RandomGenerator) throws -> (Double, Double) {
    let x = try Tensor.randn([batch, c, hw, hw], rng: &rng).requiringGrad()
    let w = try Tensor.randn([c, c, 3, 3], rng: &rng).requiringGrad()
    let flops = 2.0 * Double(batch * c * hw * hw * c * 9)
    let forward = try bestTime(repeats: repeats) { _ = try Autograd.withNoGrad { try x.conv2d(w, padding: 1) } }
    let gradient = try Tensor.randn([batch, c, hw, hw], rng: &rng)
    let both = try bestTime(repeats: repeats) { try x.conv2d(w, padding: 1).backward(gradient: gradient) }
    return (flops / forward / 1e9, 2 * flops / (both - forward) / 1e9)
  }

  /// Seconds of one SGD training step of the ResNet-20-style network on a batch of 1×28×28 images.
  private func resnetStepSeconds(rng: inout RandomGenerator) throws -> Double {
    let step = try BenchResNet.TrainStep(batch: batch, rng: &rng)
    return try bestTime(repeats: repeats) { try step() }
  }
}
