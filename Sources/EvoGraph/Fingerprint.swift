import EvoTensor
import Foundation

/// Functional fingerprints: graphs that compute the same function share one, so a search can reuse
/// the scores of an equivalent candidate instead of training it again.
extension LayerGraph {
  /// Shape of the probe input: batch 4, 12 channels (in 4 groups, so the batch, layer, instance and
  /// group aggregations all differ), 3×3.
  public static let probeShape = [4, 12, 3, 3]
  static let probeGroups = 4

  /// A hash of the layer's outputs (training mode, seeded v0 and v1 drawn from N(0, 1) rather than
  /// their initial values, gamma 1, beta 0) on a fixed seeded probe tensor, rounded to 4 significant
  /// digits; nil when the output is not finite.
  public var fingerprint: String? {
    guard let outputs = try? probeOutputs() else { return nil }
    var h = StableHash.combine(0xF1F1, affine ? 1 : 0)
    for value in outputs {
      guard value.isFinite else { return nil }
      h = StableHash.combine(h, LayerGraph.quantize(value))
    }
    return StableHash.hex(h)
  }

  /// The layer's outputs (training mode) on a seeded probe input x of shape (4, 12, 3, 3), with v0 and
  /// v1 seeded too. `inputSeed` draws another x with the same v0 and v1 (a layer whose outputs do not
  /// change with it ignores x); the fingerprint hashes the outputs for the default x.
  public func probeOutputs(inputSeed: UInt64? = nil) throws -> [Float] {
    try Autograd.withNoGrad {
      var rng = RandomGenerator(seed: 0x5EED)
      var x = try Tensor.randn(LayerGraph.probeShape, rng: &rng)
      if let inputSeed {
        var other = RandomGenerator(seed: inputSeed)
        x = try Tensor.randn(LayerGraph.probeShape, rng: &other)
      }
      let channels = LayerGraph.probeShape[1]
      let layer = try GraphLayer(graph: self, channels: channels, options: LayerOptions(groups: LayerGraph.probeGroups))
      layer.v0.withMutableData { for c in $0.indices { $0[c] = rng.normal() } }
      layer.v1.withMutableData { for c in $0.indices { $0[c] = rng.normal() } }
      return try GraphEvaluator(layer: layer, input: x).run().values
    }
  }

  /// 4 significant digits as an integer key; magnitudes below 1e-6 count as 0.
  static func quantize(_ value: Float) -> UInt64 {
    let magnitude = Swift.abs(Double(value))
    guard magnitude >= 1e-6 else { return 0 }
    let exponent = Int(log10(magnitude).rounded(.down))
    let mantissa = Int64((Double(value) / pow(10, Double(exponent - 3))).rounded())
    return StableHash.combine(UInt64(bitPattern: Int64(exponent)), UInt64(bitPattern: mantissa))
  }
}
