import EvoTensor
import Testing

/// Compares the autodiff gradient of `sum(f(inputs) * w)` (w fixed random weights) with central finite
/// differences accumulated in float64, for every element of every input (or a seeded sample of them).
public func checkGradients(
  _ inputs: [Tensor], eps: Float = 1e-2, relativeTolerance: Double = 2e-2, absoluteTolerance: Double = 2e-3,
  maxElementsPerInput: Int = 48, sourceLocation: SourceLocation = #_sourceLocation,
  _ f: ([Tensor]) throws -> Tensor
) throws {
  for x in inputs {
    x.requiresGrad = true
    x.grad = nil
  }
  let y = try f(inputs)
  var rng = RandomGenerator(seed: 99)
  let weights = try Tensor.randn(y.shape, rng: &rng)
  try (y * weights).sum().backward()
  func loss() throws -> Double {
    let out = try Autograd.withNoGrad { try f(inputs) }
    return zip(out.values, weights.values).reduce(0) { $0 + Double($1.0) * Double($1.1) }
  }
  for (k, x) in inputs.enumerated() {
    let analytic = try #require(x.grad, "input \(k) received no gradient", sourceLocation: sourceLocation)
    #expect(analytic.shape == x.shape, sourceLocation: sourceLocation)
    var indices = Array(0..<x.count)
    if indices.count > maxElementsPerInput { indices = Array(rng.permutation(x.count).prefix(maxElementsPerInput)) }
    for i in indices {
      let original = x.values[i]
      x.withMutableData { $0[i] = original + eps }
      let plus = try loss()
      x.withMutableData { $0[i] = original - eps }
      let minus = try loss()
      x.withMutableData { $0[i] = original }
      let numeric = (plus - minus) / (2 * Double(eps))
      let got = Double(analytic.values[i])
      #expect(
        abs(got - numeric) <= absoluteTolerance + relativeTolerance * abs(numeric),
        "input \(k) element \(i): autodiff \(got), finite difference \(numeric)", sourceLocation: sourceLocation)
    }
  }
}

/// A seeded random tensor; `awayFromZero` keeps |values| ≥ margin so kinks (relu, abs, sign) are not crossed.
public func random(_ shape: [Int], seed: UInt64, low: Float = -2, high: Float = 2, awayFromZero margin: Float = 0)
  -> Tensor
{
  var rng = RandomGenerator(seed: seed)
  let values = (0..<shape.reduce(1, *)).map { _ -> Float in
    var v = low + (high - low) * rng.uniform()
    if margin > 0 && abs(v) < margin { v = v < 0 ? -margin - abs(v) : margin + v }
    return v
  }
  // The count matches the shape by construction.
  return (try? Tensor(shape: shape, values: values)) ?? Tensor(0)
}

/// Asserts two float arrays agree within a tolerance.
public func expectClose(
  _ a: [Float], _ b: [Float], tolerance: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(a.count == b.count, "counts \(a.count) and \(b.count) differ", sourceLocation: sourceLocation)
  for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= tolerance * max(1, abs(y))) {
    Issue.record("element \(i): \(x) vs \(y)", sourceLocation: sourceLocation)
    return
  }
}
