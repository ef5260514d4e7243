import EvoTensor
import Synchronization

/// The fused sweeps through compiled native code (see `NativeSource`): the same tables and
/// aggregation gradients as the Swift sweeps, with the element-wise chain run by `NativeKernel`.
extension FusedEvaluator {
  /// Planes per parallel task: enough elements to amortise a task.
  private var planesPerTask: Int { Swift.max(1, 16384 / Swift.max(plane, 1)) }

  /// Writes the output (affine included) into y; returns whether every value is finite.
  func nativeForward(_ kernel: NativeKernel, into y: Tensor) -> Bool {
    guard let out = y.mutableBase else { return true }
    let planeSize = plane, count = nc, channels = c, epsilon = eps
    let bad = Mutex(false)
    let tp = SendablePointer(tables.base)
    x.withData { xd in layer.gamma.withData { gd in layer.beta.withData { bd in
      guard let xb = xd.baseAddress, let g = gd.baseAddress, let b = bd.baseAddress else { return }
      let xp = SendablePointer(UnsafeMutablePointer(mutating: xb))
      let gp = SendablePointer(UnsafeMutablePointer(mutating: g)), bp = SendablePointer(UnsafeMutablePointer(mutating: b))
      Parallel.forRanges(count, minimumPerWorker: planesPerTask) { range in
        let finite = kernel.forward(xp.pointer, out.pointer, tp.pointer, gp.pointer, bp.pointer,
                                    count, channels, planeSize, range.lowerBound, range.upperBound, epsilon)
        if finite == 0 { bad.withLock { $0 = true } }
      }
    } } }
    return !bad.withLock { $0 }
  }

  /// Per-plane Σv and Σv² of `sources` full nodes (`FusedPlan.sources(level:)`), source-major.
  func nativeSums(_ function: NativeKernel.Sums, sources: Int) -> ([Double], [Double]) {
    var s1 = [Double](repeating: 0, count: sources * nc), s2 = s1
    let planeSize = plane, count = nc, channels = c, epsilon = eps
    let tp = SendablePointer(tables.base)
    x.withData { xd in s1.withUnsafeMutableBufferPointer { b1 in s2.withUnsafeMutableBufferPointer { b2 in
      guard let xb = xd.baseAddress, let p1 = b1.baseAddress, let p2 = b2.baseAddress else { return }
      let xp = SendablePointer(UnsafeMutablePointer(mutating: xb)), d1 = SendablePointer(p1), d2 = SendablePointer(p2)
      Parallel.forRanges(count, minimumPerWorker: planesPerTask) { range in
        function(xp.pointer, tp.pointer, d1.pointer, d2.pointer, count, channels, planeSize, range.lowerBound, range.upperBound, epsilon)
      }
    } } }
    return (s1, s2)
  }

  /// The gradients for x, v0, v1 (and gamma, beta). When every aggregation reads x, one native sweep
  /// writes dx without the aggregations' share and sums the tables' gradients per plane, and the
  /// aggregations' share follows. Otherwise level + 1 sweeps each take the aggregation gradients of
  /// the sweep before (see `FusedPlan`), and the last one writes the whole of dx.
  func nativeBackward(_ kernel: NativeKernel, _ dy: Tensor) throws -> [Tensor?] {
    let dx = try Tensor.uninitialized(x.shape)
    let dyFull = dy.shape == x.shape ? dy : try dy.broadcast(to: x.shape).copy()
    let planeSize = plane, count = nc, channels = c, epsilon = eps
    let rows = plan.graph.nodeCount, lightPass = plan.aggregatesOnlyInput
    let affineGrads = try TableRows(rows: 2, entries: count, zeroed: false)  // every plane stores both
    guard let dxBase = dx.mutableBase else {
      return try gradients(dx: dx, tableGrads: try TableRows(rows: rows, entries: count, zeroed: true), affineGrads: affineGrads)
    }
    let tp = SendablePointer(tables.base), mp = SendablePointer(means.base)
    let dgp = SendablePointer(affineGrads[0]), dbp = SendablePointer(affineGrads[1])
    var spread = try TableRows(rows: rows, entries: count, zeroed: true)
    var tableGrads = spread
    for _ in 0..<(lightPass ? 1 : plan.outputLevel + 1) {
      let current = try TableRows(rows: rows, entries: count, zeroed: true)
      let coefficients = lightPass ? spread : try aggregationCoefficients(spread)  // the light sweep reads none
      let tgp = SendablePointer(current.base), cp = SendablePointer(coefficients.base)
      x.withData { xd in dyFull.withData { dd in layer.gamma.withData { gd in
        guard let xb = xd.baseAddress, let dyb = dd.baseAddress, let g = gd.baseAddress else { return }
        let xp = SendablePointer(UnsafeMutablePointer(mutating: xb)), dyp = SendablePointer(UnsafeMutablePointer(mutating: dyb))
        let gp = SendablePointer(UnsafeMutablePointer(mutating: g))
        Parallel.forRanges(count, minimumPerWorker: planesPerTask) { range in
          kernel.backward(xp.pointer, dyp.pointer, dxBase.pointer, tp.pointer, tgp.pointer, dgp.pointer, dbp.pointer, gp.pointer,
                          cp.pointer, mp.pointer, count, channels, planeSize, range.lowerBound, range.upperBound, epsilon)
        }
      } } }
      propagateTables(current)
      tableGrads = current
      spread = try spreadAggregationGradients(current)
    }
    if lightPass { addInputAggregationGradients(dx, spread: spread) }
    return try gradients(dx: dx, tableGrads: tableGrads, affineGrads: affineGrads)
  }

  /// Per aggregation and entry, its statistic's total gradient over the set size (0 when frozen):
  /// the per-plane coefficient of the aggregation's gradient with respect to its input.
  private func aggregationCoefficients(_ spread: TableRows) throws -> TableRows {
    // Only the aggregations' rows are written and read.
    let result = try TableRows(rows: plan.graph.nodeCount, entries: nc, zeroed: false)
    for a in plan.aggregations {
      let factor = frozen[a.node] ? 0 : 1 / Float(setSize(a.axes)), source = spread[a.node], target = result[a.node]
      for q in 0..<nc { target[q] = source[q] * factor }
    }
    return result
  }
}
