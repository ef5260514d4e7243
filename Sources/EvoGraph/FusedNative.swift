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

  /// The gradients for x, v0, v1 (and gamma, beta): one native sweep writes dx without the
  /// aggregations' share and sums the tables' gradients per plane; the aggregations' share follows.
  func nativeBackward(_ kernel: NativeKernel, _ dy: Tensor) throws -> [Tensor?] {
    let dx = try Tensor.uninitialized(x.shape)
    let dyFull = dy.shape == x.shape ? dy : try dy.broadcast(to: x.shape).copy()
    let planeSize = plane, count = nc, channels = c, epsilon = eps
    let tableGrads = try TableRows(rows: plan.graph.nodeCount, entries: count, zeroed: true)
    let affineGrads = try TableRows(rows: 2, entries: count, zeroed: false)  // every plane stores both
    guard let dxBase = dx.mutableBase else { return try gradients(dx: dx, tableGrads: tableGrads, affineGrads: affineGrads) }
    let tp = SendablePointer(tables.base), tgp = SendablePointer(tableGrads.base)
    let dgp = SendablePointer(affineGrads[0]), dbp = SendablePointer(affineGrads[1])
    x.withData { xd in dyFull.withData { dd in layer.gamma.withData { gd in
      guard let xb = xd.baseAddress, let dyb = dd.baseAddress, let g = gd.baseAddress else { return }
      let xp = SendablePointer(UnsafeMutablePointer(mutating: xb)), dyp = SendablePointer(UnsafeMutablePointer(mutating: dyb))
      let gp = SendablePointer(UnsafeMutablePointer(mutating: g))
      Parallel.forRanges(count, minimumPerWorker: planesPerTask) { range in
        kernel.backward(xp.pointer, dyp.pointer, dxBase.pointer, tp.pointer, tgp.pointer, dgp.pointer, dbp.pointer, gp.pointer,
                        count, channels, planeSize, range.lowerBound, range.upperBound, epsilon)
      }
    } } }
    propagateTables(tableGrads)
    addInputAggregationGradients(dx, spread: try spreadAggregationGradients(tableGrads))
    return try gradients(dx: dx, tableGrads: tableGrads, affineGrads: affineGrads)
  }
}
