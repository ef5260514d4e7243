import ArgumentParser
import EvoTensor
import Foundation

/// `evo-bench SUITE`: release-build benchmarks that print a table and a final `RESULT key=value ...` line.
struct EvoBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evo-bench",
    abstract: "Benchmarks of Evo against PyTorch/CPython baselines (build with -c release).")

  @Argument(help: "The suite to run: tensor, lang, graph, gan or train.")
  var suite: String

  @Option(help: "Python interpreter used for baselines (default: $EVO_BENCH_PYTHON, else python3).")
  var python: String?

  @Option(help: "Machine fp32 peak in GFLOP/s (default: measured with FMA chains on every core).")
  var peakGflops: Double?

  @Option(help: "Run only the rows whose group is named: sgemm, conv, add, resnet (tensor suite).")
  var only: String?

  @Option(help: "train suite: only build this norm's Evo model, run two steps and print the peak memory.")
  var rssOf: String?

  @Flag(help: "Fewer repetitions (a smoke run, not a measurement).")
  var quick = false

  mutating func run() throws {
    let baseline = Baseline(python: python ?? ProcessInfo.processInfo.environment["EVO_BENCH_PYTHON"] ?? "python3")
    switch suite {
    case "tensor":
      try TensorSuite(
        baseline: baseline, peakGflops: peakGflops ?? PeakFlops.measure(threads: Machine.cores), quick: quick,
        only: only
      ).run()
    case "lang":
      try LangSuite(baseline: baseline, quick: quick).run()
    case "graph":
      try GraphSuite(baseline: baseline, quick: quick).run()
    case "gan":
      try GanSuite(baseline: baseline, quick: quick).run()
    case "train":
      if let norm = rssOf {
        try TrainSuite.reportMemory(norm: norm, quick: quick)
      } else {
        try TrainSuite(baseline: baseline, quick: quick).run()
      }
    default:
      throw ValidationError("unknown suite '\(suite)'; available: tensor, lang, graph, gan, train")
    }
  }
}

EvoBench.main()
