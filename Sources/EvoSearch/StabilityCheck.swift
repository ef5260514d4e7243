import EvoGraph
import EvoTensor

/// Stability rejection: on a small seeded batch, gradient ascent on the parameters of a tiny model built
/// around the candidate layer, maximising the norm of the training loss's gradient; the layer is
/// rejected when the norm passes `limit` or any value becomes non-finite.
///
/// The model is conv 3×3 (1→8) → layer → conv 3×3 (8→8) → layer → mean over (h, w) → linear (8→4) with
/// a cross-entropy loss on random labels. The ascent direction H·g (the gradient of ½‖g‖²) is a
/// Hessian-vector product by finite differences of two gradients. Each parameter tensor moves by
/// `stepSize` times max(its norm, 1) along its part of that direction (a relative step: the
/// scale-invariant weights before a batch norm cannot be shrunk to zero in a few steps).
public struct StabilityCheck: Sendable, Equatable, Codable {
  public var steps: Int
  public var limit: Double
  public var stepSize: Float
  public var batch: Int

  public init(steps: Int = 100, limit: Double = 1e8, stepSize: Float = 0.01, batch: Int = 8) {
    self.steps = steps
    self.limit = limit
    self.stepSize = stepSize
    self.batch = batch
  }

  /// Nil when stable, else why not.
  public func rejection(_ graph: LayerGraph, seed: UInt64) -> String? {
    do {
      let model = try TinyModel(graph: graph, batch: batch, seed: seed)
      for step in 0...steps {
        let g = try model.gradient()
        let norm = Self.norm(g)
        guard norm.isFinite else { return "non-finite gradient after \(step) ascent steps" }
        if norm > limit { return "gradient norm \(Self.short(norm)) > \(Self.short(limit)) after \(step) ascent steps" }
        if step == steps || norm == 0 { break }
        let eps = Float(1e-3 / norm)
        model.shift(by: g, scale: eps)
        let shifted = try model.gradient()
        model.shift(by: g, scale: -eps)
        let hg = zip(shifted, g).map { pair in zip(pair.0, pair.1).map { ($0 - $1) / eps } }
        guard hg.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
          return "non-finite curvature after \(step) ascent steps"
        }
        model.ascend(along: hg, stepSize: stepSize)
      }
      return nil
    } catch {
      return "failed during gradient ascent: \(error)"
    }
  }

  static func norm(_ parts: [[Float]]) -> Double {
    parts.reduce(0.0) { total, part in total + part.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot()
  }

  static func short(_ value: Double) -> String {
    value.isFinite ? String(format: "%.3g", value) : "\(value)"
  }
}

/// The stability check's model: its parameters, data and gradient.
private struct TinyModel {
  let layers: [GraphLayer]
  let conv1: Tensor, conv2: Tensor, linear: Tensor
  let x: Tensor
  let labels: [Int]

  init(graph: LayerGraph, batch: Int, seed: UInt64) throws {
    var rng = RandomGenerator(seed: seed)
    conv1 = try Initializer.kaimingNormal([8, 1, 3, 3], rng: &rng).requiringGrad()
    conv2 = try Initializer.kaimingNormal([8, 8, 3, 3], rng: &rng).requiringGrad()
    linear = try Initializer.xavierUniform([4, 8], rng: &rng).requiringGrad()
    layers = try (0..<2).map { _ in try GraphLayer(graph: graph, channels: 8, options: LayerOptions(groups: 4)) }
    for layer in layers { layer.native = .never }
    x = try Tensor.randn([batch, 1, 8, 8], rng: &rng)
    labels = (0..<batch).map { _ in rng.int(below: 4) }
  }

  var parameters: [Tensor] { [conv1, conv2, linear] + layers.flatMap(\.parameters) }

  /// The loss gradient for every parameter, as arrays in `parameters` order.
  func gradient() throws -> [[Float]] {
    let params = parameters
    for p in params { p.zeroGrad() }
    var h = try layers[0](x.conv2d(conv1, padding: 1))
    h = try layers[1](h.conv2d(conv2, padding: 1))
    let logits = try h.mean(axes: [2, 3]).linear(linear)
    try logits.crossEntropy(labels: labels).backward()
    return params.map { $0.grad?.values ?? [Float](repeating: 0, count: $0.count) }
  }

  /// θ += scale · direction.
  func shift(by direction: [[Float]], scale: Float) {
    for (p, d) in zip(parameters, direction) {
      p.withMutableData { data in for i in data.indices { data[i] += scale * d[i] } }
    }
  }

  /// Each tensor moves `stepSize · max(‖θ‖, 1)` along its normalised part of `direction`.
  func ascend(along direction: [[Float]], stepSize: Float) {
    for (p, d) in zip(parameters, direction) {
      let dn = Float(StabilityCheck.norm([d]))
      guard dn > 0 else { continue }
      let pn = Float(StabilityCheck.norm([p.values]))
      let scale = stepSize * Swift.max(pn, 1) / dn
      p.withMutableData { data in for i in data.indices { data[i] += scale * d[i] } }
    }
  }
}
