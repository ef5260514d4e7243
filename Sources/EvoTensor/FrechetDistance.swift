import CBLAS

/// The Fréchet distance between two Gaussians fitted to feature sets (the statistic behind FID):
/// ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½, all in float64.
public enum FrechetDistance {
  /// Mean and unbiased covariance (d×d, row-major) of the rows of an (n, d) tensor, n ≥ 2.
  public static func moments(_ x: Tensor, op: String = "frechet_distance") throws -> (
    mean: [Double], covariance: [Double]
  ) {
    guard x.rank == 2, x.shape[0] >= 2, x.shape[1] >= 1 else {
      throw TensorError.shape(op, "features must be (n, d) with n ≥ 2, got \(shapeString(x.shape))")
    }
    let n = x.shape[0]
    let d = x.shape[1]
    var centered = x.values.map(Double.init)
    var mean = [Double](repeating: 0, count: d)
    for r in 0..<n { for c in 0..<d { mean[c] += centered[r * d + c] } }
    for c in 0..<d { mean[c] /= Double(n) }
    for r in 0..<n { for c in 0..<d { centered[r * d + c] -= mean[c] } }
    var cov = [Double](repeating: 0, count: d * d)
    cblas_dgemm(
      CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n), 1 / Double(n - 1), centered, Int32(d),
      centered, Int32(d), 0, &cov, Int32(d))
    return (mean, cov)
  }

  /// The distance between N(mean1, cov1) and N(mean2, cov2) (d-vectors, d×d row-major symmetric matrices).
  public static func between(
    mean1: [Double], cov1: [Double], mean2: [Double], cov2: [Double], op: String = "frechet_distance"
  ) throws -> Double {
    let d = mean1.count
    guard d > 0, mean2.count == d, cov1.count == d * d, cov2.count == d * d else {
      throw TensorError.shape(op, "means of \(mean1.count) and \(mean2.count) values need covariances of matching size")
    }
    let root1 = try SymmetricEigen.squareRoot(cov1, n: d, op: op)
    var product = [Double](repeating: 0, count: d * d)
    var middle = [Double](repeating: 0, count: d * d)
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(d), Int32(d), 1, root1, Int32(d), cov2, Int32(d), 0,
      &product, Int32(d))
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(d), Int32(d), 1, product, Int32(d), root1, Int32(d), 0,
      &middle, Int32(d))
    for i in 0..<d {
      for j in 0..<i {
        let s = (middle[i * d + j] + middle[j * d + i]) / 2
        middle[i * d + j] = s
        middle[j * d + i] = s
      }
    }
    let traceRoot = try SymmetricEigen.decompose(middle, n: d, op: op).values.reduce(0) {
      $0 + Swift.max($1, 0).squareRoot()
    }
    var result = 0.0
    for i in 0..<d {
      result += (mean1[i] - mean2[i]) * (mean1[i] - mean2[i]) + cov1[i * d + i] + cov2[i * d + i]
    }
    return Swift.max(result - 2 * traceRoot, 0)
  }

  /// The distance between Gaussians fitted to two feature sets (n₁, d) and (n₂, d).
  public static func between(_ a: Tensor, _ b: Tensor) throws -> Double {
    guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[1] else {
      throw TensorError.shape(
        "frechet_distance",
        "feature sets must be (n, d) with the same d, got \(shapeString(a.shape)) and \(shapeString(b.shape))")
    }
    let (m1, c1) = try moments(a)
    let (m2, c2) = try moments(b)
    return try between(mean1: m1, cov1: c1, mean2: m2, cov2: c2)
  }
}
