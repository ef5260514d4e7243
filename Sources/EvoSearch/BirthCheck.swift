import EvoGraph

/// The cheapest rejection: graphs that are invalid or degenerate are discarded at birth, before any
/// training.
public enum BirthCheck {
  /// The reason to reject `graph` at birth, or nil when it is worth evaluating: no path from x, a
  /// non-finite output on the probe input, an output that does not change when x does, or one that is
  /// constant over every feature map (it reads x only through statistics, so a network built on it
  /// sees no image: in a one-hour search from random graphs before this rule, such layers were most of
  /// the 579 rejected for quality, at seconds of training each).
  public static func rejection(_ graph: LayerGraph) -> (RejectionReason, String)? {
    guard graph.uses(.x) else { return (.invalid, "no path from x to the output") }
    guard let a = try? graph.probeOutputs(), a.allSatisfy(\.isFinite) else {
      return (.invalid, "non-finite output on the probe input")
    }
    guard let b = try? graph.probeOutputs(inputSeed: 0xB1B), b.allSatisfy(\.isFinite) else {
      return (.invalid, "non-finite output on a second probe input")
    }
    let scale = a.reduce(Float(0)) { Swift.max($0, Swift.abs($1)) } + 1
    let change = zip(a, b).reduce(Float(0)) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
    if change <= 1e-5 * scale { return (.degenerate, "the output does not change with x") }
    if isConstantOverEachFeatureMap(a, tolerance: 1e-5 * scale) {
      return (.degenerate, "the output is constant over each feature map: it reads x only through statistics")
    }
    return nil
  }

  /// Whether every (sample, channel) slice of a probe output varies by at most `tolerance` over its
  /// positions.
  static func isConstantOverEachFeatureMap(_ values: [Float], tolerance: Float) -> Bool {
    let positions = LayerGraph.probeShape[2] * LayerGraph.probeShape[3]
    return stride(from: 0, to: values.count, by: positions).allSatisfy { start in
      let slice = values[start..<Swift.min(start + positions, values.count)]
      let low = slice.reduce(Float.infinity, Swift.min)
      let high = slice.reduce(-Float.infinity, Swift.max)
      return high - low <= tolerance
    }
  }
}
