/// Iteration over an index space for up to three operands read or written through their own strides,
/// with adjacent dimensions merged where every operand allows. The body receives, per innermost run,
/// each operand's starting offset; the run's length and per-operand strides are fixed for the plan.
struct StridedLoop {
  /// Outer dimensions (all but the innermost), after merging.
  private let outerShape: [Int]
  private let outerStrides: [[Int]]
  /// Length of the innermost run.
  let innerCount: Int
  /// Each operand's stride along the innermost run.
  let innerStrides: [Int]

  /// `strides[k]` are operand k's strides over `shape` (0 on broadcast dimensions).
  init(shape: [Int], strides: [[Int]]) {
    var dims: [Int] = []
    var merged: [[Int]] = Array(repeating: [], count: strides.count)
    for i in 0..<shape.count where shape[i] != 1 {
      if let last = dims.last,
        strides.indices.allSatisfy({ strides[$0][i] * shape[i] == merged[$0][merged[$0].count - 1] })
      {
        dims[dims.count - 1] = last * shape[i]
        for k in strides.indices { merged[k][merged[k].count - 1] = strides[k][i] }
      } else {
        dims.append(shape[i])
        for k in strides.indices { merged[k].append(strides[k][i]) }
      }
    }
    if dims.isEmpty {
      innerCount = Shape.count(shape)
      innerStrides = Array(repeating: 0, count: strides.count)
      outerShape = []
      outerStrides = Array(repeating: [], count: strides.count)
    } else {
      innerCount = dims.removeLast()
      innerStrides = merged.map { $0[$0.count - 1] }
      outerShape = dims
      outerStrides = merged.map { Array($0.dropLast()) }
    }
  }

  /// Number of innermost runs.
  var runCount: Int { outerShape.reduce(1, *) }

  /// Calls `body(o0, o1, o2)` with the operands' starting offsets of every innermost run, in order.
  func forEachRun(_ body: (Int, Int, Int) -> Void) {
    if innerCount == 0 { return }
    let rank = outerShape.count
    if rank == 0 {
      body(0, 0, 0)
      return
    }
    let k = outerStrides.count
    let s0 = outerStrides[0]
    let s1 = k > 1 ? outerStrides[1] : Array(repeating: 0, count: rank)
    let s2 = k > 2 ? outerStrides[2] : Array(repeating: 0, count: rank)
    var index = [Int](repeating: 0, count: rank)
    var o0 = 0
    var o1 = 0
    var o2 = 0
    let runs = runCount
    for _ in 0..<runs {
      body(o0, o1, o2)
      var d = rank - 1
      while d >= 0 {
        index[d] += 1
        o0 += s0[d]
        o1 += s1[d]
        o2 += s2[d]
        if index[d] < outerShape[d] { break }
        o0 -= s0[d] * outerShape[d]
        o1 -= s1[d] * outerShape[d]
        o2 -= s2[d] * outerShape[d]
        index[d] = 0
        d -= 1
      }
    }
  }
}
