import EvoTensor
import EvoTestSupport
import Foundation
import Testing

@testable import EvoGraph

/// Each primitive alone, forward against its definition and backward against finite differences.
@Suite struct PrimitiveTests {
  let direct = Direct(n: 3, c: 4, h: 2, w: 3, groups: 2)
  static let shape = [3, 4, 2, 3]

  @Test func theSpaceHas24PrimitivesWithDistinctNames() {
    #expect(Primitive.allCases.count == 24)
    #expect(Set(Primitive.allCases.map(\.name)).count == 24)
    #expect(Primitive.batchIndependent.count == 21)
    for primitive in Primitive.allCases { #expect(Primitive(name: primitive.name) == primitive) }
  }

  /// A graph applying `primitive` to x (and to x·v1 as second input), and the layer for it.
  func layer(for primitive: Primitive) throws -> GraphLayer {
    let nodes: [LayerGraph.Node] =
      primitive.arity == 2
      ? [.init(.mul, [0, 3]), .init(primitive, [0, 4])]
      : [.init(primitive, [0])]
    let layer = try GraphLayer(
      graph: LayerGraph(nodes: nodes, affine: false), channels: 4, options: LayerOptions(groups: 2))
    layer.v1.withMutableData { for c in $0.indices { $0[c] = [0.7, -1.3, 1.9, -0.4][c] } }
    return layer
  }

  func expected(_ primitive: Primitive, _ x: [Double], v1: [Double]) -> [Double] {
    let v = direct.channelwise(v1)
    let y = (0..<x.count).map { x[$0] * v[$0] }
    switch primitive {
    case .add: return (0..<x.count).map { x[$0] + y[$0] }
    case .mul: return (0..<x.count).map { x[$0] * y[$0] }
    case .div: return (0..<x.count).map { x[$0] / y[$0] }
    case .max: return (0..<x.count).map { Swift.max(x[$0], y[$0]) }
    case .neg: return x.map { -$0 }
    case .sigmoid: return x.map { 1 / (1 + Foundation.exp(-$0)) }
    case .tanh: return x.map { Foundation.tanh($0) }
    case .exp: return x.map { Foundation.exp($0) }
    case .log: return x.map { $0 < 0 ? -Foundation.log(-$0) : Foundation.log($0) }
    case .abs: return x.map { Swift.abs($0) }
    case .square: return x.map { $0 * $0 }
    case .sqrt: return x.map { $0 < 0 ? -(-$0).squareRoot() : $0.squareRoot() }
    case .aggregate(let statistic, let axes): return direct.aggregate(x, statistic, axes)
    }
  }

  /// Fused (the Swift sweeps) and node by node (tensor operations).
  @Test(arguments: Primitive.allCases, [true, false])
  func forwardMatchesDefinition(_ primitive: Primitive, fused: Bool) throws {
    let layer = try layer(for: primitive)
    layer.fused = fused
    let x = random(Self.shape, seed: 21, awayFromZero: 0.2)
    let want = expected(primitive, x.values.map(Double.init), v1: layer.v1.values.map(Double.init))
    expectClose(try layer(x).values, want.map(Float.init), tolerance: 1e-4)
  }

  @Test(arguments: Primitive.allCases, [true, false])
  func gradientMatchesFiniteDifferences(_ primitive: Primitive, fused: Bool) throws {
    let layer = try layer(for: primitive)
    layer.fused = fused
    let x = random(Self.shape, seed: 22, low: -1.5, high: 1.5, awayFromZero: 0.25)
    let inputs = primitive.arity == 2 ? [x, layer.v1] : [x]
    try checkGradients(inputs, eps: 1e-3, relativeTolerance: 3e-2, absoluteTolerance: 5e-3) { _ in try layer(x) }
  }

  @Test func divisionGuardsItsDenominator() throws {
    let layer = try GraphLayer(graph: LayerGraph(formula: "x / (x - x)", affine: false), channels: 1)
    let y = try layer(Tensor(shape: [1, 1, 1, 2], values: [1, -2]))
    #expect(y.values == [1 / 1e-5, -2 / 1e-5])
  }

  /// The tensor form (node by node) uses the guard of `Lanes`: ±eps below eps in magnitude, +eps at 0
  /// and NaN, and no gradient to a denominator it replaced.
  @Test func tensorFormGuardsLikeTheLanes() throws {
    let b = Tensor([0.5, -0.5, 1e-7, -1e-7, 0, .nan]).requiringGrad()
    let q = try Div.tensor(Tensor(1), b, eps: 1e-3)
    expectClose(q.values, [2, -2, 1000, -1000, 1000, 1000])
    try q.sum().backward()
    #expect(b.grad?.values == [-4, -4, 0, 0, 0, 0])
  }

  @Test func signedSqrtAndLogKeepTheSign() throws {
    let x = Tensor([-4, -1, 1, 4])
    expectClose(try x.signedSqrt().values, [-2, -1, 1, 2])
    expectClose(try x.signedLog().values, [-Float(Foundation.log(4.0)), 0, 0, Float(Foundation.log(4.0))])
    #expect(try Tensor([0]).signedLog().values == [-.infinity])
  }

  @Test func squareRootOfAStatisticAddsEps() throws {
    let layer = try GraphLayer(graph: LayerGraph(formula: "sqrt(var_hw(x))", affine: false), channels: 1)
    let y = try layer(Tensor.full([1, 1, 2, 2], 3))
    expectClose(y.values, Array(repeating: Float(1e-5).squareRoot(), count: 4), tolerance: 1e-6)
  }

  @Test func nonFiniteOutputIsAFailureValueNotACrash() throws {
    let layer = try GraphLayer(graph: LayerGraph(formula: "log(0)"), channels: 2)
    #expect(throws: TensorError.self) { try layer(Tensor.ones([2, 2, 2, 2])) }
    guard case .failure(let reason) = layer.evaluate(try Tensor.ones([2, 2, 2, 2])) else {
      Issue.record("log(0) evaluated to a tensor")
      return
    }
    #expect(reason.contains("not finite"))
  }
}
