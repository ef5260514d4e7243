import CBLAS
import Foundation

/// Weight initialisers. `fanIn`/`fanOut` follow PyTorch: for a conv weight (C_out, C_in, kh, kw),
/// fan-in is C_in·kh·kw and fan-out is C_out·kh·kw.
public enum Initializer {
  static func fans(_ shape: [Int], op: String) throws -> (fanIn: Int, fanOut: Int) {
    try Shape.validate(shape, op: op)
    guard shape.count >= 2 else { return (max(shape.first ?? 1, 1), max(shape.first ?? 1, 1)) }
    let receptive = shape.dropFirst(2).reduce(1, *)
    return (shape[1] * receptive, shape[0] * receptive)
  }

  /// He/Kaiming normal: N(0, gain²/fan_in) with gain √2 (for ReLU).
  public static func kaimingNormal(_ shape: [Int], rng: inout RandomGenerator) throws -> Tensor {
    let std = Float((2 / Double(max(try fans(shape, op: "kaiming_normal").fanIn, 1))).squareRoot())
    return try Tensor.randn(shape, std: std, rng: &rng)
  }

  /// Xavier/Glorot uniform: U(−a, a) with a = √(6 / (fan_in + fan_out)).
  public static func xavierUniform(_ shape: [Int], rng: inout RandomGenerator) throws -> Tensor {
    let (fi, fo) = try fans(shape, op: "xavier_uniform")
    let a = Float((6 / Double(max(fi + fo, 1))).squareRoot())
    return try Tensor.rand(shape, low: -a, high: a, rng: &rng)
  }

  /// A (semi-)orthogonal matrix over the first dimension vs. the rest, scaled by `gain`: the Q factor
  /// of a Gaussian matrix's QR decomposition (LAPACK `sgeqrf`/`sorgqr`), signs fixed so that R has a
  /// positive diagonal, as PyTorch's `orthogonal_` does.
  public static func orthogonal(_ shape: [Int], gain: Float = 1, rng: inout RandomGenerator) throws -> Tensor {
    let op = "orthogonal"
    guard shape.count >= 2 else {
      throw TensorError.shape(op, "needs at least 2 dimensions, got \(shapeString(shape))")
    }
    let count = try Shape.validate(shape, op: op)
    let rows = shape[0]
    let cols = count / Swift.max(rows, 1)
    // Orthonormalise the vectors of the shorter side: columns of a column-major length × vectors matrix.
    let (vectors, length) = rows <= cols ? (rows, cols) : (cols, rows)
    guard count > 0 else { return try Tensor.zeros(shape) }
    guard length <= Int(Int32.max) else { throw TensorError.shape(op, "\(shapeString(shape)) is too large for LAPACK") }
    let gaussian = try Tensor.randn([vectors, length], rng: &rng).values
    // LAPACK cannot be interrupted: it runs on a thread the caller abandons on Ctrl-C (2000² takes ~1 s).
    let (a, signs, info) = try Cancellation.abandonable(op) { householderQ(gaussian, vectors: vectors, length: length) }
    guard info == 0 else { throw TensorError(.numeric, op: op, "LAPACK failed (info \(info))") }
    let out = try Tensor.uninitialized(shape)
    let dst = out.storage.pointer
    for v in 0..<vectors {
      let sign = signs[v] ? gain : -gain
      for i in 0..<length { dst[rows <= cols ? v * length + i : i * vectors + v] = sign * a[v * length + i] }
    }
    return out
  }

  /// The Q factor (column-major, `vectors` columns of `length`) of the QR decomposition of `matrix`, whether
  /// each diagonal entry of R is non-negative, and LAPACK's status.
  private static func householderQ(_ matrix: [Float], vectors: Int, length: Int) -> ([Float], [Bool], Int32) {
    var a = matrix
    var m = Int32(length)
    var n = Int32(vectors)
    var lda = m
    var info: Int32 = 0
    var tau = [Float](repeating: 0, count: vectors)
    var qrSize: Float = 0
    var qSize: Float = 0
    var query: Int32 = -1
    sgeqrf_(&m, &n, &a, &lda, &tau, &qrSize, &query, &info)
    sorgqr_(&m, &n, &n, &a, &lda, &tau, &qSize, &query, &info)
    var lwork = Int32(Swift.max(qrSize, qSize, Float(vectors)))
    var work = [Float](repeating: 0, count: Int(lwork))
    sgeqrf_(&m, &n, &a, &lda, &tau, &work, &lwork, &info)
    let positive = (0..<vectors).map { a[$0 * length + $0] >= 0 }
    sorgqr_(&m, &n, &n, &a, &lda, &tau, &work, &lwork, &info)
    return (a, positive, info)
  }
}
