import Foundation

extension Tensor {
  /// Normalises a list of axes (negative allowed, empty meaning all) into a sorted set.
  func reductionAxes(_ axes: [Int]?, op: String) throws -> [Int] {
    guard let axes, !axes.isEmpty else { return Array(0..<rank) }
    var out = Set<Int>()
    for a in axes { out.insert(try Shape.axis(a, rank: rank, op: op)) }
    return out.sorted()
  }

  /// Shape after reducing `axes`, keeping them as 1 or dropping them.
  func reducedShape(_ axes: [Int], keepdims: Bool) -> [Int] {
    var out: [Int] = []
    for (i, d) in shape.enumerated() {
      if axes.contains(i) { if keepdims { out.append(1) } } else { out.append(d) }
    }
    return out
  }

  /// Folds `axes` with `combine` starting at `initial`, into a tensor of the kept-dims shape. Runs are cut
  /// into pieces of at most `foldPiece` values, with a cancellation check every `foldPiece` values folded.
  private func fold(
    axes: [Int], initial: Float, op: String,
    combine: (UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void
  ) throws -> Tensor {
    let keptShape = reducedShape(axes, keepdims: true)
    let out = TensorStorage(count: Shape.count(keptShape), repeating: initial)
    if count > 0 {
      let loop = StridedLoop(
        shape: shape, strides: [Shape.strides(shape), Shape.broadcastStrides(keptShape, to: shape)])
      let src = storage.pointer
      let dst = out.pointer
      let n = loop.innerCount
      let so = loop.innerStrides[1]
      let token = Cancellation.current
      var sinceCheck = 0
      var stopped = false
      loop.forEachRun { oi, oo, _ in
        var start = 0
        while start < n && !stopped {
          let piece = Swift.min(Self.foldPiece, n - start)
          combine(src + oi + start, piece, so, dst + oo + start * so, 0)
          start += piece
          sinceCheck += piece
          if sinceCheck >= Self.foldPiece {
            sinceCheck = 0
            stopped = token.isRequested
          }
        }
      }
      if stopped { throw TensorError(.cancelled, op: op, "interrupted") }
    }
    return Tensor(shape: keptShape, storage: out)
  }

  /// Values a reduction folds between cancellation checks (a few milliseconds of work).
  static let foldPiece = 1 << 22

  /// Sum over `axes` (nil or empty: all), optionally keeping reduced dimensions as size 1.
  public func sum(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
    let ax = try reductionAxes(axes, op: "sum")
    let kept = try fold(axes: ax, initial: 0, op: "sum") { src, n, so, dst, _ in
      if so == 0 {
        dst[0] += Float(sumInDouble(src, n))
      } else {
        for i in 0..<n { dst[i] += src[i] }
      }
    }
    let outShape = reducedShape(ax, keepdims: keepdims)
    let inShape = shape
    return Tensor.record(shape: outShape, storage: kept.storage, inputs: [self]) { g in
      [try g.reshape(kept.shape).broadcast(to: inShape)]
    }
  }

  /// Mean over `axes` (nil or empty: all).
  public func mean(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
    let ax = try reductionAxes(axes, op: "mean")
    let n = ax.reduce(1) { $0 * shape[$1] }
    return try sum(axes: ax, keepdims: keepdims) * (1 / Float(Swift.max(n, 1)))
  }

  /// Biased variance (divides by n) over `axes`.
  public func variance(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
    let ax = try reductionAxes(axes, op: "var")
    let centered = try self - mean(axes: ax, keepdims: true)
    return try centered.square().mean(axes: ax, keepdims: keepdims)
  }

  /// Maximum over `axes`; the gradient is shared equally among tied maxima.
  public func max(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
    try extremum(axes: axes, keepdims: keepdims, op: "max", initial: -.infinity) { Swift.max($0, $1) }
  }

  /// Minimum over `axes`; the gradient is shared equally among tied minima.
  public func min(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
    try extremum(axes: axes, keepdims: keepdims, op: "min", initial: .infinity) { Swift.min($0, $1) }
  }

  private func extremum(
    axes: [Int]?, keepdims: Bool, op: String, initial: Float, pick: @escaping (Float, Float) -> Float
  ) throws -> Tensor {
    let ax = try reductionAxes(axes, op: op)
    guard count > 0 else { throw TensorError.argument(op, "cannot reduce an empty tensor") }
    let kept = try fold(axes: ax, initial: initial, op: op) { src, n, so, dst, _ in
      if so == 0 {
        var m = dst[0]
        for i in 0..<n { m = pick(m, src[i]) }
        dst[0] = m
      } else {
        for i in 0..<n { dst[i] = pick(dst[i], src[i]) }
      }
    }
    let x = detached()
    let inShape = shape
    return Tensor.record(shape: reducedShape(ax, keepdims: keepdims), storage: kept.storage, inputs: [self]) { g in
      let mask = try x.eq(kept)
      let ties = try mask.sum(axes: ax, keepdims: true)
      return [try (g.reshape(kept.shape) / ties).broadcast(to: inShape) * mask]
    }
  }

  /// Index of the largest element along `axis` (first one at ties), as floats; no gradient.
  public func argmax(axis: Int, keepdims: Bool = false) throws -> Tensor {
    let a = try Shape.axis(axis, rank: rank, op: "argmax")
    guard shape[a] > 0 else { throw TensorError.argument("argmax", "axis \(axis) has size 0") }
    let outer = shape[..<a].reduce(1, *)
    let n = shape[a]
    let inner = shape[(a + 1)...].reduce(1, *)
    let out = TensorStorage(uninitializedCount: outer * inner)
    let src = storage.pointer
    for o in 0..<outer {
      for i in 0..<inner {
        var best = src[o * n * inner + i]
        var bestIndex = 0
        for k in 1..<n {
          let v = src[(o * n + k) * inner + i]
          if v > best || (best.isNaN && !v.isNaN) {
            best = v
            bestIndex = k
          }
        }
        out.pointer[o * inner + i] = Float(bestIndex)
      }
    }
    return Tensor(shape: reducedShape([a], keepdims: keepdims), storage: out)
  }

  /// Per-group statistics for group normalisation: the mean (and the biased variance, or the second
  /// moment) of each group of `channels / groups` consecutive channels over (C/g, H, W), returned with
  /// shape (N, C, 1, 1), every channel holding its group's value, so it broadcasts against the input.
  public func groupMoments(groups: Int) throws -> (mean: Tensor, variance: Tensor, secondMoment: Tensor) {
    guard rank >= 2 else {
      throw TensorError.shape("group_moments", "needs at least (N, C), got \(shapeString(shape))")
    }
    let n = shape[0]
    let c = shape[1]
    guard groups > 0 && c % groups == 0 else {
      throw TensorError.argument("group_moments", "\(groups) groups do not divide \(c) channels")
    }
    let grouped = try reshape([n, groups, -1])
    let mean = try grouped.mean(axes: [2], keepdims: true)
    let variance = try (grouped - mean).square().mean(axes: [2], keepdims: true)
    let second = try grouped.square().mean(axes: [2], keepdims: true)
    let spread: (Tensor) throws -> Tensor = { t in
      try t.broadcast(to: [n, groups, c / groups]).reshape([n, c] + Array(repeating: 1, count: self.rank - 2))
    }
    return (try spread(mean), try spread(variance), try spread(second))
  }
}

/// The sum of n floats accumulated in double precision, in four independent 4-lane accumulators (one
/// sequential double accumulator waited on each add's latency: 4 cycles a value).
@inline(__always)
func sumInDouble(_ src: UnsafePointer<Float>, _ n: Int) -> Double {
  var a0 = SIMD4<Double>()
  var a1 = SIMD4<Double>()
  var a2 = SIMD4<Double>()
  var a3 = SIMD4<Double>()
  let raw = UnsafeRawPointer(src)
  var i = 0
  while i + 16 <= n {
    a0 += SIMD4<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self))
    a1 += SIMD4<Double>(raw.loadUnaligned(fromByteOffset: (i + 4) * 4, as: SIMD4<Float>.self))
    a2 += SIMD4<Double>(raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD4<Float>.self))
    a3 += SIMD4<Double>(raw.loadUnaligned(fromByteOffset: (i + 12) * 4, as: SIMD4<Float>.self))
    i += 16
  }
  var acc = ((a0 + a1) + (a2 + a3)).sum()
  while i < n {
    acc += Double(src[i])
    i += 1
  }
  return acc
}
