extension Tensor {
  /// The values sorted along `axis` (ascending, or descending), as a new tensor without gradient.
  public func sorted(axis: Int = -1, descending: Bool = false) throws -> Tensor {
    guard rank > 0 else { return copy() }
    let a = try Shape.axis(axis, rank: rank, op: "sort")
    let last = rank - 1
    var order = Array(0..<rank)
    order.swapAt(a, last)
    let moved = a == last ? copy() : try Autograd.withNoGrad { try permute(order) }.copy()
    let length = shape[a]
    if length > 1 {
      moved.withMutableData { data in
        for start in stride(from: 0, to: data.count, by: length) {
          var row = UnsafeMutableBufferPointer(rebasing: data[start..<start + length])
          if descending { row.sort(by: >) } else { row.sort() }
        }
      }
    }
    return a == last ? moved : try Autograd.withNoGrad { try moved.permute(order) }
  }
}
