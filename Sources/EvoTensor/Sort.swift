extension Tensor {
  /// Rows at least this long are sorted where an interrupt can abandon them (about 0.1 s in a release build).
  static let abandonableSortLength = 1 << 20

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
      let token = Cancellation.current
      try moved.withMutableData { data in
        for start in stride(from: 0, to: data.count, by: length) {
          if token.isRequested { throw TensorError(.cancelled, op: "sort", "interrupted") }
          var row = UnsafeMutableBufferPointer(rebasing: data[start..<start + length])
          if length < Self.abandonableSortLength {
            if descending { row.sort(by: >) } else { row.sort() }
            continue
          }
          // A long row (seconds of sorting) is sorted as a copy on a thread Ctrl-C can abandon.
          let copy = Array(row)
          let sorted = try Cancellation.abandonable("sort") {
            descending ? copy.sorted(by: >) : copy.sorted()
          }
          _ = row.update(fromContentsOf: sorted)
        }
      }
    }
    return a == last ? moved : try Autograd.withNoGrad { try moved.permute(order) }
  }
}
