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

  /// Statistics kept in existing tensors (updated in place), e.g. ones an Evo layer owns.
  public init(mean: Tensor, variance: Tensor, decay: Float = 0.9) {
    self.mean = mean
    self.variance = variance
    self.decay = decay
  }
}

extension Tensor {
  /// Batch normalisation of x (N, C, H, W) or (N, C) per channel, fused into one kernel with an analytic
  /// backward: `(x − mean) / √(var + eps) · gamma + beta`, with batch statistics (biased variance) while
  /// training (updating `running`) and the running statistics otherwise.
  ///
  /// `relu` applies max(0, ·) to the result in the same passes (BN-ReLU): forward and backward skip the
  /// separate ReLU's read and write of the whole tensor.
  public func batchNorm(
    gamma: Tensor, beta: Tensor, running: RunningStats?, training: Bool, eps: Float = 1e-5, relu: Bool = false
  ) throws -> Tensor {
    guard rank == 4 || rank == 2 else {
      throw TensorError.shape("batch_norm", "input must be (N, C, H, W) or (N, C), got \(shapeString(shape))")
    }
    let n = shape[0]
    let c = shape[1]
    let plane = rank == 4 ? shape[2] * shape[3] : 1
    guard gamma.shape == [c], beta.shape == [c] else {
      throw TensorError.shape(
        "batch_norm",
        "gamma and beta must have shape [\(c)], got \(shapeString(gamma.shape)) and \(shapeString(beta.shape))")
    }
    if let running, running.mean.shape != [c] || running.variance.shape != [c] {
      throw TensorError.shape("batch_norm", "running statistics have \(running.mean.count) channels, input has \(c)")
    }
    guard training || running != nil else {
      throw TensorError.argument("batch_norm", "inference mode needs running statistics")
    }
    let m = n * plane
    guard c > 0 else { throw TensorError.shape("batch_norm", "input \(shapeString(shape)) has no channels") }
    guard !training || m > 1 else {
      throw TensorError.shape(
        "batch_norm", "training needs more than one value per channel, got input \(shapeString(shape))")
    }
    var meanValues = [Float](repeating: 0, count: c)
    var invStdValues = [Float](repeating: 0, count: c)
    let x = storage.pointer
    if training {
      let xp = SendablePointer(x)
      (meanValues, invStdValues) = perChannelPairs(c, valuesPerChannel: m) { ch in
        var sum: Double = 0
        for b in 0..<n { sum += Double(FloatKernels.sum(xp.pointer + (b * c + ch) * plane, plane)) }
        let mu = Float(sum / Double(m))
        var sq: Double = 0
        for b in 0..<n {
          sq += Double(FloatKernels.sumSquaredDeviation(xp.pointer + (b * c + ch) * plane, plane, from: mu))
        }
        return (mu, 1 / (Float(sq / Double(m)) + eps).squareRoot())
      }
      if let running {
        let d = running.decay
        running.mean.withMutableData { rm in for ch in 0..<c { rm[ch] = d * rm[ch] + (1 - d) * meanValues[ch] } }
        running.variance.withMutableData { rv in
          for ch in 0..<c { rv[ch] = d * rv[ch] + (1 - d) * (1 / (invStdValues[ch] * invStdValues[ch]) - eps) }
        }
      }
    } else if let running {
      for ch in 0..<c {
        meanValues[ch] = running.mean.storage.pointer[ch]
        invStdValues[ch] = 1 / (running.variance.storage.pointer[ch] + eps).squareRoot()
      }
    }
    let out = TensorStorage(uninitializedCount: count)
    let means = meanValues
    let invStd = invStdValues
    let gp = SendablePointer(gamma.storage.pointer)
    let bp = SendablePointer(beta.storage.pointer)
    // The output's per-channel scale and shift, kept for the ReLU's mask in the backward (the
    // parameters may change by then).
    let scales = (0..<c).map { ch in invStd[ch] * gp.pointer[ch] }
    let shifts = (0..<c).map { ch in bp.pointer[ch] - means[ch] * scales[ch] }
    let xp = SendablePointer(x)
    let op = SendablePointer(out.pointer)
    Parallel.forRanges(n * c, minimumPerWorker: Swift.max(1, 16384 / plane)) { planes in
      for q in planes {
        let ch = q % c
        let src = xp.pointer + q * plane
        let dst = op.pointer + q * plane
        let scale = scales[ch]
        let shift = shifts[ch]
        if relu {
          for i in 0..<plane { dst[i] = Swift.max(0, src[i] * scale + shift) }
        } else {
          for i in 0..<plane { dst[i] = src[i] * scale + shift }
        }
      }
    }
    let xs = detached()
    let gammaValue = gamma.detached()
    let inShape = shape
    return Tensor.record(shape: shape, storage: out, inputs: [self, gamma, beta]) { g in
      let dx = TensorStorage(uninitializedCount: n * c * plane)
      let gpt = SendablePointer(g.storage.pointer)
      let xp = SendablePointer(xs.storage.pointer)
      let dxp = SendablePointer(dx.pointer)
      let gammaPointer = SendablePointer(gammaValue.storage.pointer)
      let (dGamma, dBeta) = perChannelPairs(c, valuesPerChannel: m) { ch in
        let mu = means[ch]
        let inv = invStd[ch]
        var sumG: Double = 0
        var sumGX: Double = 0
        // With the ReLU, g counts only where the forward's output was positive: recomputed from x
        // with the forward's very arithmetic, so the mask is exactly the forward's.
        let outScale = scales[ch]
        let outShift = shifts[ch]
        for b in 0..<n {
          let offset = (b * c + ch) * plane
          if relu {
            let (s, d) = maskedSums(
              gpt.pointer + offset, xp.pointer + offset, plane, center: mu, scale: outScale, shift: outShift)
            sumG += Double(s)
            sumGX += Double(d)
          } else {
            sumG += Double(FloatKernels.sum(gpt.pointer + offset, plane))
            sumGX += Double(FloatKernels.dotCentered(gpt.pointer + offset, xp.pointer + offset, plane, center: mu))
          }
        }
        let scale = gammaPointer.pointer[ch] * inv
        let meanG = training ? Float(sumG) / Float(m) : 0
        let meanGX = training ? Float(sumGX) / Float(m) * inv * inv : 0
        for b in 0..<n {
          let offset = (b * c + ch) * plane
          let gr = gpt.pointer + offset
          let xr = xp.pointer + offset
          let dr = dxp.pointer + offset
          if relu {
            for i in 0..<plane {
              let x = xr[i]
              let gi = x * outScale + outShift > 0 ? gr[i] : 0
              dr[i] = scale * (gi - meanG - (x - mu) * meanGX)
            }
          } else {
            for i in 0..<plane { dr[i] = scale * (gr[i] - meanG - (xr[i] - mu) * meanGX) }
          }
        }
        return (Float(sumGX) * inv, Float(sumG))
      }
      return [Tensor(shape: inShape, storage: dx), Tensor(dGamma), Tensor(dBeta)]
    }
  }
}

/// Two values per channel, `body(ch)` for every channel, the channels split among workers when each
/// holds at least 4096 values (`valuesPerChannel`): the batch norm's statistics and its backward.
private func perChannelPairs(
  _ channels: Int, valuesPerChannel m: Int, _ body: @Sendable (Int) -> (Float, Float)
) -> ([Float], [Float]) {
  var first = [Float](repeating: 0, count: channels)
  var second = [Float](repeating: 0, count: channels)
  first.withUnsafeMutableBufferPointer { firstBuffer in
    second.withUnsafeMutableBufferPointer { secondBuffer in
      guard let f = firstBuffer.baseAddress, let s = secondBuffer.baseAddress else { return }
      let fp = SendablePointer(f)
      let sp = SendablePointer(s)
      Parallel.forRanges(channels, minimumPerWorker: m >= 4096 ? 1 : channels) { range in
        for ch in range { (fp.pointer[ch], sp.pointer[ch]) = body(ch) }
      }
    }
  }
  return (first, second)
}

/// Σ g·[x·scale + shift > 0] and Σ g·[x·scale + shift > 0]·(x − center) over `count` floats: the
/// batch-norm backward's sums behind a ReLU, sixteen lanes wide.
private func maskedSums(
  _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, center: Float, scale: Float, shift: Float
) -> (Float, Float) {
  typealias V = SIMD16<Float>
  var sum = V()
  var dot = V()
  let c = V(repeating: center)
  let a = V(repeating: scale)
  let b = V(repeating: shift)
  let rg = UnsafeRawPointer(g)
  let rx = UnsafeRawPointer(x)
  var i = 0
  while i + 16 <= count {
    let v = rx.loadUnaligned(fromByteOffset: i * 4, as: V.self)
    let gi = V.zero.replacing(with: rg.loadUnaligned(fromByteOffset: i * 4, as: V.self), where: v * a + b .> V.zero)
    sum += gi
    dot += gi * (v - c)
    i += 16
  }
  var total = sum.sum()
  var totalDot = dot.sum()
  while i < count {
    let v = x[i]
    let gi = v * scale + shift > 0 ? g[i] : 0
    total += gi
    totalDot += gi * (v - center)
    i += 1
  }
  return (total, totalDot)
}
