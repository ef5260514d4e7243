import EvoLimits

/// A slice of one axis: `start..<end` by `step` (Python semantics, negative values count from the end).
public struct SliceRange: Sendable, Equatable {
  public var start: Int?
  public var end: Int?
  public var step: Int

  public init(start: Int? = nil, end: Int? = nil, step: Int = 1) {
    self.start = start
    self.end = end
    self.step = step
  }

  /// The whole axis.
  public static let all = SliceRange()

  /// The indices selected on an axis of size `n`, as (first, count, step).
  func resolve(size n: Int, op: String) throws -> (first: Int, count: Int, step: Int) {
    guard step != 0 else { throw TensorError.argument(op, "slice step cannot be zero") }
    func clampIndex(_ i: Int, _ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + n : i, lo), hi) }
    if step > 0 {
      let s = start.map { clampIndex($0, 0, n) } ?? 0
      let e = end.map { clampIndex($0, 0, n) } ?? n
      return (s, e > s ? (e - s + step - 1) / step : 0, step)
    }
    let s = start.map { clampIndex($0, -1, n - 1) } ?? n - 1
    let e = end.map { clampIndex($0, -1, n - 1) } ?? -1
    return (s, s > e ? (s - e - step - 1) / -step : 0, step)
  }
}

extension Tensor {
  /// The same values in another shape; one dimension may be -1 (inferred). Shares storage.
  public func reshape(_ newShape: [Int]) throws -> Tensor {
    var target = newShape
    let unknown = newShape.indices.filter { newShape[$0] == -1 }
    guard unknown.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
      throw TensorError.shape("reshape", "invalid target shape \(shapeString(newShape))")
    }
    if let u = unknown.first {
      let known = Checked.product(newShape.filter { $0 != -1 }) ?? 0
      guard known > 0, count % known == 0 else {
        throw TensorError.shape(
          "reshape", "cannot reshape \(shapeString(shape)) (\(count) elements) into \(shapeString(newShape))")
      }
      target[u] = count / known
    }
    guard try Shape.validate(target, op: "reshape") == count else {
      throw TensorError.shape(
        "reshape", "cannot reshape \(shapeString(shape)) (\(count) elements) into \(shapeString(newShape))")
    }
    let inShape = shape
    return Tensor.record(shape: target, storage: storage, inputs: [self]) { g in [try g.reshape(inShape)] }
  }

  /// Flattens all dimensions from `startAxis` on into one.
  public func flatten(from startAxis: Int = 1) throws -> Tensor {
    let a = try Shape.axis(startAxis, rank: rank, op: "flatten")
    return try reshape(Array(shape[..<a]) + [shape[a...].reduce(1, *)])
  }

  /// Inserts a dimension of size 1 at `axis`.
  public func unsqueeze(_ axis: Int) throws -> Tensor {
    let a = axis < 0 ? axis + rank + 1 : axis
    guard a >= 0 && a <= rank else {
      throw TensorError.argument("unsqueeze", "axis \(axis) is out of range for rank \(rank)")
    }
    var s = shape
    s.insert(1, at: a)
    return try reshape(s)
  }

  /// Removes dimensions of size 1 (all of them, or the one at `axis`).
  public func squeeze(_ axis: Int? = nil) throws -> Tensor {
    guard let axis else { return try reshape(shape.filter { $0 != 1 }) }
    let a = try Shape.axis(axis, rank: rank, op: "squeeze")
    guard shape[a] == 1 else { throw TensorError.shape("squeeze", "axis \(axis) has size \(shape[a]), not 1") }
    var s = shape
    s.remove(at: a)
    return try reshape(s)
  }

  /// Reorders the dimensions: result dimension i is input dimension `order[i]`.
  public func permute(_ order: [Int]) throws -> Tensor {
    let axes = try order.map { try Shape.axis($0, rank: rank, op: "permute") }
    guard axes.count == rank, Set(axes).count == rank else {
      throw TensorError.argument("permute", "\(order) is not a permutation of the \(rank) axes")
    }
    let outShape = axes.map { shape[$0] }
    let inStrides = Shape.strides(shape)
    let out = TensorStorage(uninitializedCount: count)
    let loop = StridedLoop(shape: outShape, strides: [Shape.strides(outShape), axes.map { inStrides[$0] }])
    let src = storage.pointer
    let dst = out.pointer
    let n = loop.innerCount
    let s = loop.innerStrides[1]
    loop.forEachRun { o, i, _ in for k in 0..<n { dst[o + k] = src[i + k * s] } }
    var inverse = [Int](repeating: 0, count: rank)
    for (i, a) in axes.enumerated() { inverse[a] = i }
    return Tensor.record(shape: outShape, storage: out, inputs: [self]) { g in [try g.permute(inverse)] }
  }

  /// Swaps two dimensions (default: the last two).
  public func transpose(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
    let x = try Shape.axis(a, rank: rank, op: "transpose")
    let y = try Shape.axis(b, rank: rank, op: "transpose")
    var order = Array(0..<rank)
    order.swapAt(x, y)
    return try permute(order)
  }

  /// The values repeated along broadcast dimensions to fill `target`.
  public func broadcast(to target: [Int]) throws -> Tensor {
    if target == shape { return self }
    guard Shape.broadcast(shape, target) == target else {
      throw TensorError.shape("broadcast_to", "cannot broadcast \(shapeString(shape)) to \(shapeString(target))")
    }
    let n = try Shape.validate(target, op: "broadcast_to")
    let out = TensorStorage(uninitializedCount: n)
    let loop = StridedLoop(shape: target, strides: [Shape.strides(target), Shape.broadcastStrides(shape, to: target)])
    let src = storage.pointer
    let dst = out.pointer
    let inner = loop.innerCount
    let s = loop.innerStrides[1]
    loop.forEachRun { o, i, _ in
      if s == 0 {
        (dst + o).update(repeating: src[i], count: inner)
      } else {
        (dst + o).update(from: src + i, count: inner)
      }
    }
    let inShape = shape
    return Tensor.record(shape: target, storage: out, inputs: [self]) { g in [try g.sum(to: inShape)] }
  }

  /// A strided slice: one `SliceRange` per leading axis (missing trailing axes are taken whole).
  public func slice(_ ranges: [SliceRange]) throws -> Tensor {
    guard ranges.count <= rank else {
      throw TensorError.argument("slice", "\(ranges.count) slices for a tensor of rank \(rank)")
    }
    var outShape = shape
    var starts = [Int](repeating: 0, count: rank)
    var steps = [Int](repeating: 1, count: rank)
    for (axis, r) in ranges.enumerated() {
      let (first, n, step) = try r.resolve(size: shape[axis], op: "slice")
      outShape[axis] = n
      starts[axis] = first
      steps[axis] = step
    }
    let inStrides = Shape.strides(shape)
    let base = zip(starts, inStrides).reduce(0) { $0 + $1.0 * $1.1 }
    let viewStrides = (0..<rank).map { inStrides[$0] * steps[$0] }
    let out = TensorStorage(uninitializedCount: Shape.count(outShape))
    let loop = StridedLoop(shape: outShape, strides: [Shape.strides(outShape), viewStrides])
    let src = storage.pointer + base
    let dst = out.pointer
    let n = loop.innerCount
    let s = loop.innerStrides[1]
    loop.forEachRun { o, i, _ in for k in 0..<n { dst[o + k] = src[i + k * s] } }
    let inShape = shape
    let total = count
    return Tensor.record(shape: outShape, storage: out, inputs: [self]) { g in
      let grad = TensorStorage(count: total, repeating: 0)
      let gp = g.storage.pointer
      let dp = grad.pointer + base
      loop.forEachRun { o, i, _ in for k in 0..<n { dp[i + k * s] += gp[o + k] } }
      return [Tensor(shape: inShape, storage: grad)]
    }
  }

  /// Rows `indices` along `axis` (gather for batches; indices may repeat; negative count from the end).
  public func indexSelect(axis: Int = 0, _ indices: [Int]) throws -> Tensor {
    let a = try Shape.axis(axis, rank: rank, op: "index_select")
    let size = shape[a]
    let idx = try indices.map { i -> Int in
      let j = i < 0 ? i + size : i
      guard j >= 0 && j < size else {
        throw TensorError.argument("index_select", "index \(i) is out of bounds for axis \(a) with size \(size)")
      }
      return j
    }
    let outer = shape[..<a].reduce(1, *)
    let inner = shape[(a + 1)...].reduce(1, *)
    var outShape = shape
    outShape[a] = idx.count
    let out = TensorStorage(uninitializedCount: outer * idx.count * inner)
    let src = storage.pointer
    let dst = out.pointer
    for o in 0..<outer {
      for (k, j) in idx.enumerated() {
        (dst + (o * idx.count + k) * inner).update(from: src + (o * size + j) * inner, count: inner)
      }
    }
    let inShape = shape
    return Tensor.record(shape: outShape, storage: out, inputs: [self]) { g in
      let grad = TensorStorage(count: Shape.count(inShape), repeating: 0)
      let gp = g.storage.pointer
      for o in 0..<outer {
        for (k, j) in idx.enumerated() {
          let d = grad.pointer + (o * size + j) * inner
          let s = gp + (o * idx.count + k) * inner
          for t in 0..<inner { d[t] += s[t] }
        }
      }
      return [Tensor(shape: inShape, storage: grad)]
    }
  }

  /// Joins tensors along an existing axis; all other dimensions must agree.
  public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
    guard let first = tensors.first else { throw TensorError.argument("concat", "needs at least one tensor") }
    let a = try Shape.axis(axis, rank: first.rank, op: "concat")
    for t in tensors {
      var s1 = t.shape
      var s0 = first.shape
      guard s1.count == s0.count else {
        throw TensorError.shape("concat", "ranks differ: \(shapeString(first.shape)) and \(shapeString(t.shape))")
      }
      s1[a] = 0
      s0[a] = 0
      guard s1 == s0 else {
        throw TensorError.shape(
          "concat", "shapes \(shapeString(first.shape)) and \(shapeString(t.shape)) differ outside axis \(a)")
      }
    }
    let outer = first.shape[..<a].reduce(1, *)
    let inner = first.shape[(a + 1)...].reduce(1, *)
    let sizes = tensors.map { $0.shape[a] }
    var outShape = first.shape
    outShape[a] = sizes.reduce(0, +)
    let total = outShape[a]
    let out = TensorStorage(uninitializedCount: Shape.count(outShape))
    var offset = 0
    for (t, size) in zip(tensors, sizes) {
      for o in 0..<outer {
        (out.pointer + (o * total + offset) * inner).update(
          from: t.storage.pointer + o * size * inner, count: size * inner)
      }
      offset += size
    }
    return Tensor.record(shape: outShape, storage: out, inputs: tensors) { g in
      var start = 0
      return try sizes.map { size in
        defer { start += size }
        var ranges = [SliceRange](repeating: .all, count: a + 1)
        ranges[a] = SliceRange(start: start, end: start + size)
        return try g.slice(ranges)
      }
    }
  }

  /// Stacks equally shaped tensors along a new axis.
  public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
    guard let first = tensors.first else { throw TensorError.argument("stack", "needs at least one tensor") }
    for t in tensors where t.shape != first.shape {
      throw TensorError.shape("stack", "shapes \(shapeString(first.shape)) and \(shapeString(t.shape)) differ")
    }
    return try concat(tensors.map { try $0.unsqueeze(axis) }, axis: axis)
  }

  /// Zero-pads: `padding[i]` = (before, after) for axis i, counted from the first axis.
  public func pad(_ padding: [(Int, Int)], value: Float = 0) throws -> Tensor {
    guard padding.count <= rank, padding.allSatisfy({ $0.0 >= 0 && $0.1 >= 0 }) else {
      throw TensorError.argument("pad", "needs at most \(rank) non-negative (before, after) pairs")
    }
    var outShape = shape
    var ranges: [SliceRange] = []
    for (i, (before, after)) in padding.enumerated() {
      guard let size = Checked.sum([outShape[i], before, after]) else {
        throw TensorError.shape("pad", "padding \(before), \(after) of axis \(i) is too large")
      }
      outShape[i] = size
      ranges.append(SliceRange(start: before, end: before + shape[i]))
    }
    let out = TensorStorage(count: try Shape.validate(outShape, op: "pad"), repeating: value)
    let outStrides = Shape.strides(outShape)
    let base = ranges.enumerated().reduce(0) { $0 + ($1.element.start ?? 0) * outStrides[$1.offset] }
    let loop = StridedLoop(shape: shape, strides: [Shape.strides(shape), outStrides])
    let src = storage.pointer
    let dst = out.pointer + base
    let n = loop.innerCount
    let s = loop.innerStrides[1]
    loop.forEachRun { i, o, _ in for k in 0..<n { dst[o + k * s] = src[i + k] } }
    return Tensor.record(shape: outShape, storage: out, inputs: [self]) { g in [try g.slice(ranges)] }
  }
}
