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
    let planeSize = plane
    let count = nc
    let channels = c
    let epsilon = eps
    let bad = Mutex(false)
    let tp = SendablePointer(tables.base)
    x.withData { xd in
      layer.gamma.withData { gd in
        layer.beta.withData { bd in
          guard let xb = xd.baseAddress, let g = gd.baseAddress, let b = bd.baseAddress else { return }
          let xp = SendablePointer(UnsafeMutablePointer(mutating: xb))
          let gp = SendablePointer(UnsafeMutablePointer(mutating: g))
          let bp = SendablePointer(UnsafeMutablePointer(mutating: b))
          Parallel.forRanges(count, minimumPerWorker: planesPerTask) { range in
            let finite = kernel.forward(
              xp.pointer, out.pointer, tp.pointer, gp.pointer, bp.pointer,
              count, channels, planeSize, range.lowerBound, range.upperBound, epsilon)
            if finite == 0 { bad.withLock { $0 = true } }
          }
        }
      }
    }
    return !bad.withLock { $0 }
  }

  /// Per-plane Σv and Σv² of `sources` full nodes (`FusedPlan.sources(level:)`), source-major.
  func nativeSums(_ function: NativeKernel.Sums, sources: Int) -> ([Double], [Double]) {
    var s1 = [Double](repeating: 0, count: sources * nc)
    var s2 = s1
    let planeSize = plane
    let count = nc
    let channels = c
    let epsilon = eps
    let tp = SendablePointer(tables.base)
    x.withData { xd in
      s1.withUnsafeMutableBufferPointer { b1 in
        s2.withUnsafeMutableBufferPointer { b2 in
          guard let xb = xd.baseAddress, let p1 = b1.baseAddress, let p2 = b2.baseAddress else { return }
          let xp = SendablePointer(UnsafeMutablePointer(mutating: xb))
          let d1 = SendablePointer(p1)
          let d2 = SendablePointer(p2)
          Parallel.forRanges(count, minimumPerWorker: planesPerTask) { range in
            function(
              xp.pointer, tp.pointer, d1.pointer, d2.pointer, count, channels, planeSize, range.lowerBound,
              range.upperBound, epsilon)
          }
        }
      }
    }
    return (s1, s2)
  }

  /// One backward sweep in native code (see `FusedEvaluator.backward`): writes dx — without the
  /// aggregations' share when every aggregation reads x — the tables' gradient sums and the affine sums.
  func nativeSweep(
    _ kernel: NativeKernel, dy: Tensor, dx: SendablePointer<Float>, coefficients: TableRows, into current: TableRows,
    affineGrads: TableRows
  ) {
    let planeSize = plane
    let count = nc
    let channels = c
    let epsilon = eps
    let tp = SendablePointer(tables.base)
    let mp = SendablePointer(means.base)
    let kp = SendablePointer(coefficients.base)
    let tgp = SendablePointer(current.base)
    let dgp = SendablePointer(affineGrads[0])
    let dbp = SendablePointer(affineGrads[1])
    x.withData { xd in
      dy.withData { dd in
        layer.gamma.withData { gd in
          guard let xb = xd.baseAddress, let dyb = dd.baseAddress, let g = gd.baseAddress else { return }
          let xp = SendablePointer(UnsafeMutablePointer(mutating: xb))
          let dyp = SendablePointer(UnsafeMutablePointer(mutating: dyb))
          let gp = SendablePointer(UnsafeMutablePointer(mutating: g))
          Parallel.forRanges(count, minimumPerWorker: planesPerTask) { range in
            kernel.backward(
              xp.pointer, dyp.pointer, dx.pointer, tp.pointer, tgp.pointer, dgp.pointer, dbp.pointer, gp.pointer,
              kp.pointer, mp.pointer, count, channels, planeSize, range.lowerBound, range.upperBound, epsilon)
          }
        }
      }
    }
  }
}
