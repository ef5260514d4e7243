import EvoLang
import EvoRuntime
import EvoTensor
import Foundation

/// `evo-bench gan`: training iterations of the default GAN of stdlib/gan.evo (BN-ReLU generator, batch
/// 64, 2 D steps per G step, EMA) per minute, run as Evo code, against the same model and step in
/// PyTorch (bench/torch/gan_baseline.py) with the same thread count.
struct GanSuite {
  let baseline: Baseline
  let quick: Bool

  /// The repository's stdlib/ folder, beside bench/.
  static let stdlib = URL(fileURLWithPath: Baseline.benchFolder).deletingLastPathComponent().appendingPathComponent(
    "stdlib"
  ).path

  func run() throws {
    BLASThreads.set(Machine.cores)
    print("evo-bench gan — \(Machine.model), \(Machine.cores) cores, release build; G iterations per minute")
    let iterations = quick ? 2 : 8
    let session = Session(searchPaths: [Self.stdlib])
    let code = """
      import gan
      seed(0)
      let model = gan.GAN(norm: "bn_relu", batch: 64, n_d: 2)
      let images = rand([512, 1, 28, 28])
      let labels = randint([512], 0, 10)
      model.train(images, labels, 1, every: 0)
      let start = clock()
      model.train(images, labels, \(iterations), every: 0)
      \(iterations) / (clock() - start) * 60
      """
    let result = session.run(code, name: "<evo-bench gan>")
    guard case .success(.number(let evo)?) = result else {
      throw BenchError("the Evo GAN iterations failed: \(result)")
    }
    let torch =
      baseline.hasModule("torch")
      ? baseline.values(
        script: "gan_baseline.py", arguments: ["--threads", "\(Machine.cores)"] + (quick ? ["--quick"] : []))?[
          "gan_iterations_per_minute"]
      : nil
    if torch == nil {
      print("(no `torch` importable by \(baseline.python): the PyTorch column is empty; set EVO_BENCH_PYTHON)")
    }
    var table = Table(["model", "Evo it/min", "torch it/min"])
    table.add(["BN-ReLU G 64/32/32, D 32/64, batch 64, n_D 2", format(evo, 1), torch.map { format($0, 1) } ?? "-"])
    table.print()
    let speedup = torch.map { evo / $0 } ?? .nan
    print("RESULT gan_iterations_per_minute=\(format(evo, 2)) gan_step_speedup_vs_torch=\(format(speedup, 3))")
  }
}
