import CBLAS

extension Tensor {
  /// `weight / σ`, σ the largest singular value of the weight viewed as a (rows, count / rows) matrix,
  /// estimated by one power iteration from the persistent vector `u` (rows values), as in Miyato et al.
  ///
  /// With `update` (training) `u` is replaced in place by the iteration's new left vector; without it
  /// `u` is kept and only `v = normalize(Wᵀu)` is recomputed. As in PyTorch, u and v are constants for
  /// the gradient: σ = uᵀWv, so d(W/σ)/dW applied to G is G/σ − ⟨G, W⟩/σ² · u vᵀ.
  public func spectralNormalized(u: Tensor, update: Bool = true, eps: Float = 1e-12) throws -> Tensor {
    guard rank >= 2, count > 0 else {
      throw TensorError.shape("spectral_norm", "weight must have at least 2 dimensions, got \(shapeString(shape))")
    }
    let rows = shape[0]
    let cols = count / rows
    guard u.count == rows else {
      throw TensorError.shape(
        "spectral_norm", "u must have \(rows) values (the weight's first dimension), got \(shapeString(u.shape))")
    }
    var uVector = u.values
    var v = [Float](repeating: 0, count: cols)
    var wv = [Float](repeating: 0, count: rows)
    // One OpenBLAS thread: it threads any sgemv over 9,216 values, and its woken workers then spin for
    // about 0.1 s against Evo's own parallel kernels (spectral norm runs on every layer of a GAN step).
    BLASThreads.withSingleThread {
      withData { w in
        guard let wp = w.baseAddress else { return }
        // v = normalize(Wᵀ u)
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(cols), 1, wp, Int32(cols), uVector, 1, 0, &v, 1)
        Self.normalize(&v, eps: eps)
        // W v, then u = normalize(W v) when updating
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(cols), 1, wp, Int32(cols), v, 1, 0, &wv, 1)
      }
    }
    if update {
      uVector = wv
      Self.normalize(&uVector, eps: eps)
      let fresh = uVector
      u.withMutableData { target in for i in 0..<rows { target[i] = fresh[i] } }
    }
    var sigma: Float = 0
    for i in 0..<rows { sigma += uVector[i] * wv[i] }
    guard sigma.isFinite, sigma > 0 else {
      throw TensorError(
        .numeric, op: "spectral_norm", "the estimated spectral norm is \(sigma); the weight or u is degenerate")
    }
    let out = try Autograd.withNoGrad { try self / sigma }
    let weight = self
    let leftVector = uVector
    let rightVector = v
    return Tensor.custom(out, inputs: [self]) { g in
      let s = sigma
      let inner = zip(g.values, weight.values).reduce(Float(0)) { $0 + $1.0 * $1.1 }
      let dw = TensorStorage(uninitializedCount: weight.count)
      g.withData { gp in
        for i in 0..<rows {
          let scale = inner / (s * s) * leftVector[i]
          for j in 0..<cols { dw.pointer[i * cols + j] = gp[i * cols + j] / s - scale * rightVector[j] }
        }
      }
      return [Tensor(shape: weight.shape, storage: dw)]
    }
  }

  private static func normalize(_ x: inout [Float], eps: Float) {
    let norm = x.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
    let scale = 1 / Swift.max(norm, eps)
    for i in x.indices { x[i] *= scale }
  }
}
