import EvoTensor
import EvoTestSupport
import Testing

@testable import EvoGraph

/// The fused evaluator against the node-by-node one: same outputs, same gradients, same moving averages.
@Suite struct FusedEvaluationTests {
  /// A layer's output and gradients (x, v0, v1, gamma, beta), and its moving averages.
  typealias Evaluation = (values: [[Float]], moving: [[Float]])

  /// Output and the gradients of sum(y · w) for x and every parameter, with fusion on or off (the Swift
  /// evaluator unless `native` says otherwise).
  static func run(
    _ graph: LayerGraph, fused: Bool, native: NativeKernelPolicy = .never, training: Bool = true,
    shape: [Int] = [3, 6, 2, 3],
    seed: UInt64 = 1
  ) throws -> Evaluation? {
    var rng = RandomGenerator(seed: seed)
    let layer = try GraphLayer(graph: graph, channels: shape[1], options: LayerOptions(groups: 3))
    layer.fused = fused
    layer.native = native
    layer.training = training
    layer.v0.withMutableData { for c in $0.indices { $0[c] = rng.normal() } }
    layer.v1.withMutableData { for c in $0.indices { $0[c] = 1 + 0.5 * rng.normal() } }
    layer.gamma.withMutableData { for c in $0.indices { $0[c] = 1 + 0.3 * rng.normal() } }
    let x = try Tensor.randn(shape, rng: &rng).requiringGrad()
    let w = try Tensor.randn(shape, rng: &rng)
    guard case .tensor(let y) = layer.evaluate(x) else { return nil }
    if native == .always && layer.nativeSource != nil {
      #expect(layer.nativeKernel != nil, "\(graph.formula): the native kernel was not built")
    }
    try (y * w).sum().backward()
    let grads = ([x, layer.v0, layer.v1, layer.gamma, layer.beta]).map { $0.grad?.values ?? [] }
    return ([y.values] + grads, layer.movingAverages.sorted { $0.key < $1.key }.map(\.value.values))
  }

  func compare(_ graph: LayerGraph, training: Bool = true) throws {
    let fused = try Self.run(graph, fused: true, training: training)
    let plain = try Self.run(graph, fused: false, training: training)
    Self.expectAgree(graph, fused, plain)
  }

  /// Expects two evaluations of `graph` to fail alike or to agree value by value.
  static func expectAgree(_ graph: LayerGraph, _ fused: Evaluation?, _ plain: Evaluation?) {
    #expect(
      (fused == nil) == (plain == nil), "\(graph.formula): fused failed \(fused == nil), plain failed \(plain == nil)")
    guard let fused, let plain else { return }
    for (k, (a, b)) in zip(fused.values, plain.values).enumerated() {
      // Gradients only: where a kink meets an infinite derivative (sqrt at 0 under max), the
      // node-by-node backward multiplies 0 by infinity into NaN and the fused one skips the 0 term.
      let b = k == 0 ? b : zip(a, b).map { $1.isNaN && $0.isFinite ? $0 : $1 }
      #expect(a.count == b.count, "\(graph.formula): output \(k) has \(a.count) vs \(b.count) values")
      for (u, v) in zip(a, b) where !(u.isNaN && v.isNaN) && u != v && !(abs(u - v) <= 2e-3 * max(1, abs(v))) {
        Issue.record("\(graph.formula) output \(k): fused \(u), plain \(v)")
        break
      }
    }
    for (a, b) in zip(fused.moving, plain.moving) { expectClose(a, b, tolerance: 1e-4) }
  }

  @Test(arguments: NamedLayers.names)
  func namedLayersAgree(_ name: String) throws {
    let graph = try #require(NamedLayers.graph(name))
    try compare(graph)
    try compare(graph, training: false)
    #expect(FusedPlan(graph) != nil)
  }

  @Test func multiLevelGraphsAgree() throws {
    for formula in [
      "x / sqrt(var_hw(x - mean_bhw(x)))", "var_hwc(x*v1 + mean_hw(exp(x)))*x",
      "tanh(x) / sqrt(mu2_hwc/g(x / sqrt(var_bhw(sigmoid(x)))))",
      "max(x*v1, x*v1) - mean_hwc(x*x)", "x / (sqrt(var_hw(x)) + v0*v1)", "x*x*x",
    ] {
      try compare(try LayerGraph(formula: formula))
      // Inference freezes the batch statistics: a node read only by one gets no gradient at all.
      try compare(try LayerGraph(formula: formula), training: false)
    }
  }

  @Test func randomGraphsAgree() throws {
    var rng = RandomGenerator(seed: 77)
    var fusedCount = 0
    for _ in 0..<1000 {
      let graph = try LayerGraph.random(nodes: 2 + rng.int(below: 12), rng: &rng)
      if FusedPlan(graph) != nil { fusedCount += 1 }
      try compare(graph)
    }
    #expect(fusedCount > 20)
  }
}
