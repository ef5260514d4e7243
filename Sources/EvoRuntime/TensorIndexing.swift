import EvoLang
import EvoTensor

/// `t[0, 1:3, ..., -1]` on tensors: integers select (and drop) a dimension, slices keep it, `...`
/// stands for every dimension not named. Assignment writes into the selected region in place.
enum TensorIndexing {
  /// Per-dimension slice ranges and which dimensions an integer index removes.
  static func plan(_ t: Tensor, _ items: [IndexItem]) throws -> (ranges: [SliceRange], dropped: [Bool]) {
    let ellipses = items.filter { if case .ellipsis = $0 { return true } else { return false } }.count
    guard ellipses <= 1 else { throw EvoError(.index, "an index can contain '...' only once") }
    let named = items.count - ellipses
    guard named <= t.rank else { throw EvoError(.index, "too many indices (\(named)) for a tensor of rank \(t.rank)") }
    var ranges: [SliceRange] = []
    var dropped: [Bool] = []
    for item in items {
      switch item {
      case .ellipsis:
        for _ in 0..<(t.rank - named) {
          ranges.append(.all)
          dropped.append(false)
        }
      case .value(let v):
        let axis = ranges.count
        let i = try Convert.int(v, "index", "tensor indices")
        let n = t.shape[axis]
        guard i >= -n && i < n else {
          throw EvoError(.index, "index \(i) is out of range for axis \(axis) with size \(n)")
        }
        let j = i < 0 ? i + n : i
        ranges.append(SliceRange(start: j, end: j + 1))
        dropped.append(true)
      case .slice(let a, let b, let c):
        func bound(_ v: Value) throws -> Int? {
          if case .null = v { return nil }
          return try Convert.int(v, "index", "slice bounds")
        }
        let step = try bound(c) ?? 1
        guard step != 0 else { throw EvoError(.value, "slice step cannot be zero") }
        ranges.append(SliceRange(start: try bound(a), end: try bound(b), step: step))
        dropped.append(false)
      }
    }
    while ranges.count < t.rank {
      ranges.append(.all)
      dropped.append(false)
    }
    return (ranges, dropped)
  }

  static func get(_ t: Tensor, _ items: [IndexItem]) throws -> Tensor {
    if items.count == 1, case .value(let v) = items[0], case .list = v {
      return try t.indexSelect(axis: 0, Convert.labels(v, "index"))
    }
    let (ranges, dropped) = try plan(t, items)
    let sliced = try t.slice(ranges)
    let shape = zip(sliced.shape, dropped).filter { !$0.1 }.map(\.0)
    return shape == sliced.shape ? sliced : try sliced.reshape(shape)
  }

  /// Writes `value` (broadcast to the region) into the selected elements of `t`, in place.
  static func set(_ t: Tensor, _ items: [IndexItem], _ value: Tensor) throws {
    guard !t.requiresGrad || !Autograd.isEnabled else {
      throw EvoError(
        .value, "cannot assign into a tensor that requires grad (its gradient would be wrong); use no_grad or detach()")
    }
    let (ranges, dropped) = try plan(t, items)
    // The region's shape and, per dimension, its first index and step.
    var regionShape: [Int] = []
    var firsts: [Int] = []
    var steps: [Int] = []
    for (axis, r) in ranges.enumerated() {
      let n = t.shape[axis]
      let step = r.step
      func clamp(_ i: Int, _ lo: Int, _ hi: Int) -> Int { min(max(i < 0 ? i + n : i, lo), hi) }
      let first: Int
      let count: Int
      if step > 0 {
        first = r.start.map { clamp($0, 0, n) } ?? 0
        let end = r.end.map { clamp($0, 0, n) } ?? n
        count = end > first ? (end - first + step - 1) / step : 0
      } else {
        first = r.start.map { clamp($0, -1, n - 1) } ?? n - 1
        let end = r.end.map { clamp($0, -1, n - 1) } ?? -1
        count = first > end ? (first - end - step - 1) / -step : 0
      }
      regionShape.append(count)
      firsts.append(first)
      steps.append(step)
    }
    let visibleShape = zip(regionShape, dropped).filter { !$0.1 }.map(\.0)
    guard let broadcastShape = EvoTensor.Shape.broadcast(value.shape, visibleShape), broadcastShape == visibleShape
    else {
      throw EvoError(.value, "cannot assign a value of shape \(value.shape) to a region of shape \(visibleShape)")
    }
    let source = try Autograd.withNoGrad { try value.broadcast(to: visibleShape) }.values
    let strides = EvoTensor.Shape.strides(t.shape)
    var k = 0
    t.withMutableData { data in
      func write(_ dim: Int, _ offset: Int) {
        if dim == t.rank {
          data[offset] = source[k]
          k += 1
          return
        }
        for i in 0..<regionShape[dim] { write(dim + 1, offset + (firsts[dim] + i * steps[dim]) * strides[dim]) }
      }
      if !source.isEmpty { write(0, 0) }
    }
  }
}
