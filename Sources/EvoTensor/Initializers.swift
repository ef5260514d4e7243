import Foundation

/// Weight initialisers. `fanIn`/`fanOut` follow PyTorch: for a conv weight (C_out, C_in, kh, kw),
/// fan-in is C_in·kh·kw and fan-out is C_out·kh·kw.
public enum Initializer {
  static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    guard shape.count >= 2 else { return (max(shape.first ?? 1, 1), max(shape.first ?? 1, 1)) }
    let receptive = shape.dropFirst(2).reduce(1, *)
    return (shape[1] * receptive, shape[0] * receptive)
  }

  /// He/Kaiming normal: N(0, gain²/fan_in) with gain √2 (for ReLU).
  public static func kaimingNormal(_ shape: [Int], rng: inout RandomGenerator) throws -> Tensor {
    let std = Float((2 / Double(max(fans(shape).fanIn, 1))).squareRoot())
    return try Tensor.randn(shape, std: std, rng: &rng)
  }

  /// Xavier/Glorot uniform: U(−a, a) with a = √(6 / (fan_in + fan_out)).
  public static func xavierUniform(_ shape: [Int], rng: inout RandomGenerator) throws -> Tensor {
    let (fi, fo) = fans(shape)
    let a = Float((6 / Double(max(fi + fo, 1))).squareRoot())
    return try Tensor.rand(shape, low: -a, high: a, rng: &rng)
  }

  /// A (semi-)orthogonal matrix over the first dimension vs. the rest, scaled by `gain`
  /// (Gram–Schmidt in float64 on a Gaussian matrix).
  public static func orthogonal(_ shape: [Int], gain: Float = 1, rng: inout RandomGenerator) throws -> Tensor {
    guard shape.count >= 2 else { throw TensorError.shape("orthogonal", "needs at least 2 dimensions, got \(shapeString(shape))") }
    let rows = shape[0], cols = shape.dropFirst().reduce(1, *)
    // Orthonormalise the vectors of the shorter side.
    let (vectors, length) = rows <= cols ? (rows, cols) : (cols, rows)
    var q = [[Double]]()
    q.reserveCapacity(vectors)
    while q.count < vectors {
      var v = (0..<length).map { _ in Double(rng.normal()) }
      for u in q {
        let dot = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<length { v[i] -= dot * u[i] }
      }
      let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      guard norm > 1e-8 else { continue }
      q.append(v.map { $0 / norm })
    }
    var values = [Float](repeating: 0, count: rows * cols)
    for r in 0..<rows {
      for c in 0..<cols {
        values[r * cols + c] = gain * Float(rows <= cols ? q[r][c] : q[c][r])
      }
    }
    return try Tensor(shape: shape, values: values)
  }
}
