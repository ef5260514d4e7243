import EvoLang
import EvoRuntime
import EvoTensor
import Foundation

/// `evo-bench train`: one ResNet-20 training step (batch 128 of 1×28×28, SGD momentum 0.9, weight decay
/// 5e-4 on weights only, lr 0.001 so that EvoNorm-B0 with affine lone norms stays finite over the ~20
/// steps on one batch; the speed does not depend on it) with the model written in Evo (stdlib
/// `models.resnet` called from Evo code), BN-ReLU and EvoNorm-B0, against the same model in PyTorch
/// eager (bench/torch/train_baseline.py, B0 as plain ops) and against the Swift-written step of
/// `evo-bench tensor` (BenchResNet). Timed in alternating windows (PyTorch, then Evo), each side
/// keeping its best: the machine's speed drifts.
/// Peak memory is measured in a fresh process per model and side.
struct TrainSuite {
  let baseline: Baseline
  let quick: Bool

  static let norms = ["bn_relu", "evonorm_b0"]
  private var repeats: Int { quick ? 1 : 5 }
  private var windows: Int { quick ? 1 : 3 }
  private var batch: Int { quick ? 32 : 128 }

  func run() throws {
    BLASThreads.set(Machine.cores)
    print(
      "evo-bench train — \(Machine.model), \(Machine.cores) cores (PyTorch \(Machine.cores) threads),"
        + " release build;"
        + " ResNet-20 step, batch \(batch) of 1×28×28, best of \(repeats) × \(windows) alternating windows")
    let hasTorch = baseline.hasModule("torch")
    if !hasTorch {
      print("(no `torch` importable by \(baseline.python): PyTorch columns are empty; set EVO_BENCH_PYTHON)")
    }
    let torchArguments = ["--threads", "\(Machine.cores)"] + (quick ? ["--quick"] : [])
    let evo = try EvoTrainSteps(batch: batch, norms: Self.norms)
    var rng = RandomGenerator(seed: 1)
    let swiftStep = try BenchResNet.TrainStep(batch: batch, rng: &rng)
    var evoBest = [String: Double]()
    var torchBest = [String: Double]()
    var swiftBest = Double.infinity
    for _ in 0..<windows {
      if hasTorch, let t = baseline.values(script: "train_baseline.py", arguments: torchArguments) {
        for norm in Self.norms {
          if let ms = t["\(norm)_step_ms"] { torchBest[norm] = min(torchBest[norm] ?? .infinity, ms / 1000) }
        }
      }
      for norm in Self.norms {
        evoBest[norm] = min(evoBest[norm] ?? .infinity, try evo.bestSeconds(norm, repeats: repeats))
      }
      swiftBest = min(swiftBest, try bestTime(repeats: repeats) { try swiftStep() })
    }

    var table = Table(["ResNet-20 step", "Evo ms", "PyTorch ms", "speed-up", "Evo peak RSS MB", "PyTorch peak RSS MB"])
    var result = "RESULT"
    for norm in Self.norms {
      let seconds = evoBest[norm] ?? .nan
      let torch = torchBest[norm]
      let evoMemory = Self.childMemory(norm: norm, quick: quick)
      let torchMemory =
        hasTorch
        ? baseline.values(script: "train_baseline.py", arguments: torchArguments + ["--norms", norm]) : nil
      func memory(_ m: [String: Double]?) -> String {
        guard let peak = m?["peak_rss_mb"], let start = m?["start_rss_mb"] else { return "-" }
        return "\(format(peak, 0)) (+\(format(peak - start, 0)))"
      }
      table.add([
        norm, format(seconds * 1000), torch.map { format($0 * 1000) } ?? "-",
        torch.map { format($0 / seconds, 2) } ?? "-", memory(evoMemory), memory(torchMemory),
      ])
      result += " resnet20_\(norm)_speedup_vs_torch=" + (torch.map { format($0 / seconds, 3) } ?? "nan")
      result += " resnet20_\(norm)_step_ms=\(format(seconds * 1000))"
      result += " resnet20_\(norm)_peak_rss_mb=" + (evoMemory?["peak_rss_mb"].map { format($0, 0) } ?? "nan")
      result += " torch_resnet20_\(norm)_peak_rss_mb=" + (torchMemory?["peak_rss_mb"].map { format($0, 0) } ?? "nan")
    }
    table.add(["bn_relu, Swift-written (evo-bench tensor)", format(swiftBest * 1000), "-", "-", "-", "-"])
    table.print()
    print("peak RSS: the whole process (in parentheses: above its start, after loading the runtime or importing torch)")
    result += " evo_model_over_swift_step=\(format((evoBest["bn_relu"] ?? .nan) / swiftBest, 3))"
    print(result)
  }

  /// `evo-bench train --rss-of NORM`: builds the Evo model, runs two steps and prints its peak memory.
  static func reportMemory(norm: String, quick: Bool) throws {
    BLASThreads.set(Machine.cores)
    let start = Memory.residentMegabytes()
    let steps = try EvoTrainSteps(batch: quick ? 32 : 128, norms: [norm])
    _ = try steps.bestSeconds(norm, repeats: 1)
    print("start_rss_mb=\(format(start, 1)) peak_rss_mb=\(format(Memory.peakMegabytes(), 1))")
  }

  /// Peak memory of a fresh `evo-bench train --rss-of norm` process.
  private static func childMemory(norm: String, quick: Bool) -> [String: Double]? {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    return Baseline.values(of: exe, ["train", "--rss-of", norm] + (quick ? ["--quick"] : []))
  }
}

/// The ResNet-20 training steps written in Evo: one session, one stdlib model per norm.
final class EvoTrainSteps {
  /// The repository's stdlib, whatever the working directory.
  static let stdlib = URL(fileURLWithPath: Baseline.benchFolder).deletingLastPathComponent()
    .appendingPathComponent("stdlib").path
  private let session = Session(searchPaths: [stdlib])

  init(batch: Int, norms: [String]) throws {
    let source = """
      import models
      seed(0)
      let images = randn([\(batch), 1, 28, 28])
      let labels = map(fn(i) { i % 10 }, range(\(batch)))
      fn trainer(norm) {
        let model = models.resnet(depth: 20, width: 16, norm: norm, in_channels: 1, classes: 10)
        let opt = sgd(model.parameter_groups(5e-4), lr: 0.001, momentum: 0.9)
        let step = fn() {
          opt.zero_grad()
          model(images).cross_entropy(labels).backward()
          opt.step()
        }
        step
      }
      let steps = {}
      for norm in [\(norms.map { "\"\($0)\"" }.joined(separator: ", "))] { steps[norm] = trainer(norm) }
      """
    _ = try session.run(source, name: "train-bench.evo").get()
  }

  /// The best time in seconds of one step of the model with `norm`, after one warm-up step.
  func bestSeconds(_ norm: String, repeats: Int) throws -> Double {
    let call = SourceFile(name: "step.evo", text: "steps[\"\(norm)\"]()")
    return try session.perform { vm in try bestTime(repeats: repeats) { _ = try vm.run(call) } }
  }
}
