/// Running statistics of a batch-normalised layer, updated in place while training.
public final class RunningStats {
  /// Per-channel moving mean (starts at 0).
  public let mean: Tensor
  /// Per-channel moving biased variance (starts at 1).
  public let variance: Tensor
  /// Weight of the old value in each update (0.9: new = 0.9·old + 0.1·batch).
  public let decay: Float

  public init(channels: Int, decay: Float = 0.9) {
    mean = Tensor(shape: [channels], storage: TensorStorage(count: channels, repeating: 0))
    variance = Tensor(shape: [channels], storage: TensorStorage(count: channels, repeating: 1))
    self.decay = decay
  }
}

extension Tensor {
  /// Batch normalisation of x (N, C, H, W) or (N, C) per channel, fused into one kernel with an analytic
  /// backward: `(x − mean) / √(var + eps) · gamma + beta`, with batch statistics (biased variance) while
  /// training (updating `running`) and the running statistics otherwise.
  public func batchNorm(
    gamma: Tensor, beta: Tensor, running: RunningStats?, training: Bool, eps: Float = 1e-5
  ) throws -> Tensor {
    guard rank == 4 || rank == 2 else { throw TensorError.shape("batch_norm", "input must be (N, C, H, W) or (N, C), got \(shapeString(shape))") }
    let n = shape[0], c = shape[1], plane = rank == 4 ? shape[2] * shape[3] : 1
    guard gamma.shape == [c], beta.shape == [c] else {
      throw TensorError.shape("batch_norm", "gamma and beta must have shape [\(c)], got \(shapeString(gamma.shape)) and \(shapeString(beta.shape))")
    }
    if let running, running.mean.shape != [c] {
      throw TensorError.shape("batch_norm", "running statistics have \(running.mean.count) channels, input has \(c)")
    }
    guard training || running != nil else {
      throw TensorError.argument("batch_norm", "inference mode needs running statistics")
    }
    let m = n * plane
    guard !training || m > 1 else {
      throw TensorError.shape("batch_norm", "training needs more than one value per channel, got input \(shapeString(shape))")
    }
    var means = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
    let x = storage.pointer
    if training {
      for ch in 0..<c {
        var sum: Double = 0
        for b in 0..<n { let p = x + (b * c + ch) * plane; for i in 0..<plane { sum += Double(p[i]) } }
        let mu = Float(sum / Double(m))
        var sq: Double = 0
        for b in 0..<n { let p = x + (b * c + ch) * plane; for i in 0..<plane { let d = p[i] - mu; sq += Double(d * d) } }
        let v = Float(sq / Double(m))
        means[ch] = mu
        invStd[ch] = 1 / (v + eps).squareRoot()
      }
      if let running {
        let d = running.decay
        running.mean.withMutableData { rm in for ch in 0..<c { rm[ch] = d * rm[ch] + (1 - d) * means[ch] } }
        running.variance.withMutableData { rv in
          for ch in 0..<c { rv[ch] = d * rv[ch] + (1 - d) * (1 / (invStd[ch] * invStd[ch]) - eps) }
        }
      }
    } else if let running {
      for ch in 0..<c {
        means[ch] = running.mean.storage.pointer[ch]
        invStd[ch] = 1 / (running.variance.storage.pointer[ch] + eps).squareRoot()
      }
    }
    let out = TensorStorage(uninitializedCount: count)
    let gp = gamma.storage.pointer, bp = beta.storage.pointer
    for b in 0..<n {
      for ch in 0..<c {
        let src = x + (b * c + ch) * plane, dst = out.pointer + (b * c + ch) * plane
        let scale = invStd[ch] * gp[ch], shift = bp[ch] - means[ch] * scale
        for i in 0..<plane { dst[i] = src[i] * scale + shift }
      }
    }
    let xs = detached(), gammaValue = gamma.detached(), inShape = shape
    return Tensor.record(shape: shape, storage: out, inputs: [self, gamma, beta]) { g in
      let dx = TensorStorage(uninitializedCount: n * c * plane)
      var dGamma = [Float](repeating: 0, count: c), dBeta = [Float](repeating: 0, count: c)
      let gpt = g.storage.pointer, xp = xs.storage.pointer
      for ch in 0..<c {
        var sumG: Double = 0, sumGX: Double = 0
        for b in 0..<n {
          let gr = gpt + (b * c + ch) * plane, xr = xp + (b * c + ch) * plane
          for i in 0..<plane { sumG += Double(gr[i]); sumGX += Double(gr[i] * (xr[i] - means[ch])) }
        }
        let inv = invStd[ch]
        dBeta[ch] = Float(sumG)
        dGamma[ch] = Float(sumGX) * inv
        let gam = gammaValue.storage.pointer[ch]
        for b in 0..<n {
          let gr = gpt + (b * c + ch) * plane, xr = xp + (b * c + ch) * plane, dr = dx.pointer + (b * c + ch) * plane
          if training {
            let meanG = Float(sumG) / Float(m), meanGX = Float(sumGX) / Float(m) * inv * inv
            for i in 0..<plane { dr[i] = gam * inv * (gr[i] - meanG - (xr[i] - means[ch]) * meanGX) }
          } else {
            for i in 0..<plane { dr[i] = gam * inv * gr[i] }
          }
        }
      }
      return [Tensor(shape: inShape, storage: dx), Tensor(dGamma), Tensor(dBeta)]
    }
  }
}
