extension Tensor {
  /// x (…, in) · weightᵀ (out, in) + bias (out).
  public func linear(_ weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
    guard weight.rank == 2, let last = shape.last, last == weight.shape[1] else {
      throw TensorError.shape(
        "linear",
        "input \(shapeString(shape)) does not match weight \(shapeString(weight.shape)) (expected last dimension \(weight.rank == 2 ? weight.shape[1] : -1))"
      )
    }
    let y = try matmul(weight.transpose())
    guard let bias else { return y }
    guard bias.shape == [weight.shape[0]] else {
      throw TensorError.shape("linear", "bias must have shape [\(weight.shape[0])], got \(shapeString(bias.shape))")
    }
    return try y + bias
  }

  /// log(softmax(x)) along `axis`, computed stably.
  public func logSoftmax(axis: Int = -1) throws -> Tensor {
    let a = try Shape.axis(axis, rank: rank, op: "log_softmax")
    let shifted = try self - Autograd.withNoGrad { try self.max(axes: [a], keepdims: true) }
    return try shifted - shifted.exp().sum(axes: [a], keepdims: true).log()
  }

  /// Softmax along `axis`.
  public func softmax(axis: Int = -1) throws -> Tensor { try logSoftmax(axis: axis).exp() }

  /// Mean cross-entropy of logits (N, K) against integer class labels (N values in 0..<K).
  public func crossEntropy(labels: [Int]) throws -> Tensor {
    guard rank == 2 else {
      throw TensorError.shape("cross_entropy", "logits must be (N, K), got \(shapeString(shape))")
    }
    let n = shape[0]
    let k = shape[1]
    guard labels.count == n else {
      throw TensorError.shape("cross_entropy", "\(labels.count) labels for \(n) rows of logits")
    }
    if let bad = labels.first(where: { $0 < 0 || $0 >= k }) {
      throw TensorError.argument("cross_entropy", "label \(bad) is outside 0..<\(k)")
    }
    let logp = try logSoftmax(axis: 1)
    let picked = TensorStorage(count: n * k, repeating: 0)
    for (i, l) in labels.enumerated() { picked.pointer[i * k + l] = -1 / Float(Swift.max(n, 1)) }
    return try (logp * Tensor(shape: [n, k], storage: picked)).sum()
  }

  /// Hinge loss of a GAN discriminator: mean(relu(1 − real)) + mean(relu(1 + fake)).
  public static func hingeDiscriminatorLoss(real: Tensor, fake: Tensor) throws -> Tensor {
    try (1 - real).relu().mean() + (1 + fake).relu().mean()
  }

  /// Hinge loss of a GAN generator: −mean(fake).
  public static func hingeGeneratorLoss(fake: Tensor) throws -> Tensor { try fake.mean().neg() }

  /// Rows of an embedding table (V, D) for integer ids: result (ids.count, D).
  public func embedding(_ ids: [Int]) throws -> Tensor {
    guard rank == 2 else { throw TensorError.shape("embedding", "table must be (V, D), got \(shapeString(shape))") }
    return try indexSelect(axis: 0, ids)
  }

  /// Inverted dropout: zeroes each element with probability `p` and scales the rest by 1/(1−p) while
  /// training; the identity otherwise.
  public func dropout(_ p: Float, training: Bool, rng: inout RandomGenerator) throws -> Tensor {
    guard p >= 0 && p < 1 else { throw TensorError.argument("dropout", "probability must be in [0, 1), got \(p)") }
    guard training && p > 0 else { return self }
    let keep = 1 - p
    let mask = TensorStorage(uninitializedCount: count)
    for i in 0..<count { mask.pointer[i] = rng.uniform() < keep ? 1 / keep : 0 }
    return try self * Tensor(shape: shape, storage: mask)
  }
}
