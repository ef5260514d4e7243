import EvoTensor
import EvoTestSupport
import Testing

@testable import EvoGraph

/// Every named layer against its direct formula, forward and backward, in both modes.
@Suite struct NamedLayerTests {
  static let shape = [4, 8, 3, 3]
  let direct = Direct(n: 4, c: 8, h: 3, w: 3, groups: 4)

  func makeLayer(_ name: String) throws -> GraphLayer {
    let graph = try #require(NamedLayers.graph(name), "unknown layer \(name)")
    let layer = try GraphLayer(graph: graph, channels: 8, options: LayerOptions(groups: 4))
    layer.v1.withMutableData { for c in $0.indices { $0[c] = 0.5 + 0.1 * Float(c) } }
    layer.gamma.withMutableData { for c in $0.indices { $0[c] = 1.5 - 0.1 * Float(c) } }
    layer.beta.withMutableData { for c in $0.indices { $0[c] = 0.05 * Float(c) - 0.2 } }
    return layer
  }

  @Test(arguments: NamedLayers.names)
  func forwardMatchesDirectFormula(_ name: String) throws {
    let layer = try makeLayer(name)
    let x = random(Self.shape, seed: 11, awayFromZero: 0.05)
    let y = try layer(x)
    let core = try #require(direct.named(name, x.values.map(Double.init), v1: layer.v1.values.map(Double.init)))
    let expected: [Double]
    if layer.graph.affine {
      let g = direct.channelwise(layer.gamma.values.map(Double.init))
      let b = direct.channelwise(layer.beta.values.map(Double.init))
      expected = (0..<core.count).map { core[$0] * g[$0] + b[$0] }
    } else {
      expected = core
    }
    expectClose(y.values, expected.map(Float.init), tolerance: 1e-4)
  }

  @Test(arguments: NamedLayers.names)
  func gradientsMatchFiniteDifferences(_ name: String) throws {
    let layer = try makeLayer(name)
    let x = random(Self.shape, seed: 12, awayFromZero: 0.1)
    let inputs = [x] + layer.parameters
    try checkGradients(inputs, eps: 2e-3, relativeTolerance: 3e-2, absoluteTolerance: 5e-3) { _ in try layer(x) }
  }

  @Test func parametersAreTheUsedVectors() throws {
    #expect(try makeLayer("evonorm_b0").parameters.count == 3)  // v1, gamma, beta
    #expect(try makeLayer("bn_relu").parameters.count == 2)
    #expect(try makeLayer("identity").parameters.isEmpty)
  }

  @Test func evonormB0UsesMovingVarianceStartingAtOneAtInference() throws {
    let layer = try makeLayer("evonorm_b0")
    layer.training = false
    let x = random(Self.shape, seed: 13)
    // Before any training step the moving variance is 1, so sqrt(var_bhw) is sqrt(1 + eps).
    let before = try layer(x)
    let si = direct.std(x.values.map(Double.init), .variance, .instance)
    let v = direct.channelwise(layer.v1.values.map(Double.init))
    let g = direct.channelwise(layer.gamma.values.map(Double.init))
    let b = direct.channelwise(layer.beta.values.map(Double.init))
    let xs = x.values.map(Double.init)
    func expected(movingVariance: [Double]) -> [Float] {
      let mv = direct.channelwise(movingVariance)
      return (0..<xs.count).map { i -> Float in
        let batchStd: Double = (mv[i] + 1e-5).squareRoot()
        let instance: Double = v[i] * xs[i] + si[i]
        let normalized: Double = xs[i] / Swift.max(batchStd, instance)
        return Float(normalized * g[i] + b[i])
      }
    }
    expectClose(before.values, expected(movingVariance: Array(repeating: 1, count: 8)), tolerance: 1e-4)
    // One training step moves it to 0.9 · 1 + 0.1 · batch variance.
    layer.training = true
    let batch = random(Self.shape, seed: 14, low: -3, high: 3)
    _ = try layer(batch)
    let batchVar = direct.aggregate(batch.values.map(Double.init), .variance, .batch)
    let moving = (0..<8).map { 0.9 + 0.1 * batchVar[$0 * 9] }
    layer.training = false
    expectClose(try layer(x).values, expected(movingVariance: moving), tolerance: 1e-4)
  }

  @Test func groupCountFallsBackUntilItDividesTheChannels() {
    let options = LayerOptions()
    #expect(options.effectiveGroups(channels: 64) == 32)
    #expect(options.effectiveGroups(channels: 48) == 24)
    #expect(options.effectiveGroups(channels: 16) == 16)
    #expect(options.effectiveGroups(channels: 100) == 25)
    #expect(options.effectiveGroups(channels: 1) == 1)
  }

  @Test func evonormS0WithFallbackGroupsMatchesDirectFormula() throws {
    let graph = try #require(NamedLayers.graph("evonorm_s0"))
    let layer = try GraphLayer(graph: graph, channels: 12, options: LayerOptions(groups: 8))
    #expect(layer.groups == 6)
    let x = random([2, 12, 2, 2], seed: 15)
    let reference = Direct(n: 2, c: 12, h: 2, w: 2, groups: 6)
    let expected = try #require(
      reference.named("evonorm_s0", x.values.map(Double.init), v1: Array(repeating: 1, count: 12)))
    expectClose(try layer(x).values, expected.map(Float.init), tolerance: 1e-4)
  }

  @Test func wrongChannelCountIsAShapeError() throws {
    let layer = try makeLayer("bn_relu")
    #expect(throws: TensorError.self) { try layer(Tensor.zeros([2, 3, 4, 4])) }
    #expect(throws: TensorError.self) { try layer(Tensor.zeros([8, 4])) }
  }
}
