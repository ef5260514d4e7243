import EvoGraph
import EvoTensor
import Foundation

/// `evo-bench graph`: EvoNorm-B0 and S0, forward + backward, fused, against BN-ReLU in Evo (the fused
/// batch_norm kernel followed by relu, and the bn_relu graph) and against EvoNorm-B0 written as plain
/// PyTorch ops with the same thread count.
struct GraphSuite {
  let baseline: Baseline
  let quick: Bool

  private var repeats: Int { quick ? 2 : 30 }
  static let shapes = [[128, 16, 28, 28], [128, 64, 7, 7]]

  func run() throws {
    BLASThreads.set(Machine.cores)
    print("evo-bench graph — \(Machine.model), \(Machine.cores) cores, release build; forward + backward, ms")
    let torch =
      baseline.hasModule("torch")
      ? baseline.values(
        script: "graph_baseline.py", arguments: ["--threads", "\(Machine.cores)"] + (quick ? ["--quick"] : []))
      : nil
    if torch == nil {
      print("(no `torch` importable by \(baseline.python): PyTorch columns are empty; set EVO_BENCH_PYTHON)")
    }
    var table = Table([
      "shape", "BN-ReLU kernel", "bn_relu graph", "EvoNorm-B0", "EvoNorm-S0", "B0 unfused", "torch B0", "torch BN-ReLU",
    ])
    var ratios: [Double] = []
    var speedups: [Double] = []
    var rng = RandomGenerator(seed: 1)
    for shape in Self.shapes {
      let key = shape.map(String.init).joined(separator: "x")
      let x = try Tensor.randn(shape, rng: &rng).requiringGrad()
      let dy = try Tensor.randn(shape, rng: &rng)
      let c = shape[1]
      let gamma = try Tensor.ones([c]).requiringGrad()
      let beta = try Tensor.zeros([c]).requiringGrad()
      let running = RunningStats(channels: c)
      func layer(_ name: String, fused: Bool = true) throws -> GraphLayer {
        guard let graph = NamedLayers.graph(name) else { throw BenchError("unknown layer \(name)") }
        let layer = try GraphLayer(graph: graph, channels: c)
        layer.fused = fused
        return layer
      }
      let bnLayer = try layer("bn_relu")
      let b0Layer = try layer("evonorm_b0")
      let s0Layer = try layer("evonorm_s0")
      let times = try interleavedBestTimes(
        repeats: repeats,
        [
          { try x.batchNorm(gamma: gamma, beta: beta, running: running, training: true).relu().backward(gradient: dy) },
          { try bnLayer(x).backward(gradient: dy) },
          { try b0Layer(x).backward(gradient: dy) },
          { try s0Layer(x).backward(gradient: dy) },
        ])
      let (kernel, bnGraph, b0, s0) = (times[0], times[1], times[2], times[3])
      let unfusedLayer = try layer("evonorm_b0", fused: false)
      let unfused = try bestTime(repeats: Swift.max(2, repeats / 3)) { try unfusedLayer(x).backward(gradient: dy) }
      let torchB0 = torch?["b0_\(key)_ms"]
      let torchBN = torch?["bn_relu_\(key)_ms"]
      table.add([
        key, format(kernel * 1000, 2), format(bnGraph * 1000, 2), format(b0 * 1000, 2), format(s0 * 1000, 2),
        format(unfused * 1000, 2), torchB0.map { format($0, 2) } ?? "-", torchBN.map { format($0, 2) } ?? "-",
      ])
      ratios.append(b0 / Swift.min(kernel, bnGraph))
      if let torchB0 { speedups.append(torchB0 / (b0 * 1000)) }
    }
    table.print()
    let ratio = ratios.max() ?? .nan
    let speedup = speedups.count == Self.shapes.count ? speedups.min() ?? .nan : .nan
    print(
      "EvoNorm-B0 over the faster Evo BN-ReLU (worst shape): \(format(ratio, 3)); speed-up over torch's composed B0 (worst shape): \(format(speedup, 3))"
    )
    print("RESULT evonorm_b0_over_bn_relu=\(format(ratio, 3)) evonorm_b0_speedup_vs_torch=\(format(speedup, 3))")
  }
}

struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
