import EvoGraph

/// The cheapest rejection: graphs that are invalid or degenerate are discarded at birth, before any
/// training.
public enum BirthCheck {
  /// The reason to reject `graph` at birth, or nil when it is worth evaluating: no path from x, a
  /// non-finite output on the probe input, or an output that does not change when x does.
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
    return nil
  }
}
