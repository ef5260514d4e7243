import CBLAS

/// Eigendecomposition of symmetric matrices in float64 with LAPACK's `dsyev` (from OpenBLAS).
public enum SymmetricEigen {
  /// Eigenvalues in ascending order and the matching unit eigenvectors of the symmetric n×n matrix `a`
  /// (row-major; only its lower triangle is read): `vectors[j * n + i]` is component i of vector j.
  public static func decompose(_ a: [Double], n: Int, op: String = "eigh") throws -> (
    values: [Double], vectors: [Double]
  ) {
    guard n > 0, a.count == n * n else {
      throw TensorError.shape(op, "needs a square matrix, got \(a.count) values for n = \(n)")
    }
    guard a.allSatisfy(\.isFinite) else { throw TensorError(.numeric, op: op, "the matrix has non-finite entries") }
    // LAPACK cannot be interrupted: it runs on a thread the caller abandons on Ctrl-C (n = 2000 takes seconds).
    let (values, matrix, info) = try Cancellation.abandonable(op) { eigensystem(a, n: n) }
    guard info == 0 else {
      throw TensorError(.numeric, op: op, "the eigensolver did not converge (LAPACK info \(info))")
    }
    // Column-major eigenvector columns of the (symmetric) input are rows of the row-major array.
    return (values, matrix)
  }

  /// LAPACK's `dsyev` on a copy of `a`: eigenvalues, eigenvectors (column-major) and its status.
  private static func eigensystem(_ a: [Double], n: Int) -> ([Double], [Double], Int32) {
    var matrix = a
    var values = [Double](repeating: 0, count: n)
    var size = Int32(n)
    var lda = Int32(n)
    var info: Int32 = 0
    var query = 0.0
    var lwork: Int32 = -1
    let jobz: [CChar] = [CChar(UInt8(ascii: "V")), 0]
    let uplo: [CChar] = [CChar(UInt8(ascii: "U")), 0]
    dsyev_(jobz, uplo, &size, &matrix, &lda, &values, &query, &lwork, &info, 1, 1)
    lwork = Int32(Swift.max(query, Double(3 * n)))
    var work = [Double](repeating: 0, count: Int(lwork))
    dsyev_(jobz, uplo, &size, &matrix, &lda, &values, &work, &lwork, &info, 1, 1)
    return (values, matrix, info)
  }

  /// The symmetric positive semi-definite square root V·diag(√max(λ, 0))·Vᵀ of a symmetric matrix.
  public static func squareRoot(_ a: [Double], n: Int, op: String = "sqrtm") throws -> [Double] {
    let (values, vectors) = try decompose(a, n: n, op: op)
    var scaled = vectors
    for j in 0..<n {
      let s = Swift.max(values[j], 0).squareRoot()
      for i in 0..<n { scaled[j * n + i] *= s }
    }
    var out = [Double](repeating: 0, count: n * n)
    // out = scaledᵀ · vectors (rows of `vectors` are eigenvectors): Σ_j s_j v_j v_jᵀ
    cblas_dgemm(
      CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, scaled, Int32(n),
      vectors, Int32(n), 0, &out, Int32(n))
    return out
  }
}

extension Tensor {
  /// Eigenvalues (ascending, shape (n)) and eigenvectors (columns of an (n, n) tensor, like
  /// `numpy.linalg.eigh`) of a symmetric matrix, computed in float64. No gradient.
  public func symmetricEigen() throws -> (values: Tensor, vectors: Tensor) {
    guard rank == 2, shape[0] == shape[1] else {
      throw TensorError.shape("eigh", "needs a square (n, n) matrix, got \(shapeString(shape))")
    }
    let n = shape[0]
    let (values, vectors) = try SymmetricEigen.decompose(self.values.map(Double.init), n: n)
    var columns = [Float](repeating: 0, count: n * n)
    for j in 0..<n { for i in 0..<n { columns[i * n + j] = Float(vectors[j * n + i]) } }
    return (try Tensor(shape: [n], values: values.map(Float.init)), try Tensor(shape: [n, n], values: columns))
  }
}
