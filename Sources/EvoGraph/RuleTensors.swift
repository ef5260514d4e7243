import EvoTensor

extension ElementwiseRule {
  /// A unary rule on a tensor (the node-by-node evaluator), through its `Lanes` definition on single
  /// floats (libm's log, as EvoTensor's ops use) and recorded for autodiff with the rule's own gradient.
  static func unaryTensor(_ a: Tensor, eps: Float) throws -> Tensor {
    let y = try Tensor.uninitialized(a.shape)
    a.withData { x in
      y.withMutableData { out in
        guard let x = x.baseAddress, let out = out.baseAddress else { return }
        let xs = SendablePointer(UnsafeMutablePointer(mutating: x))
        let os = SendablePointer(out)
        Parallel.forRanges(a.count, minimumPerWorker: 1 << 17) { range in
          for i in range { os.pointer[i] = value(xs.pointer[i], xs.pointer[i], eps: eps) }
        }
      }
    }
    let x = a.detached()
    let saved = y.detached()
    return Tensor.custom(y, inputs: [a]) { g in
      let ga = try Tensor.uninitialized(x.shape)
      g.withData { gd in
        x.withData { xd in
          saved.withData { yd in
            ga.withMutableData { out in
              for i in out.indices { out[i] = gradients(gd[i], y: yd[i], xd[i], xd[i], eps: eps).a }
            }
          }
        }
      }
      return [ga]
    }
  }
}

extension Tensor {
  /// sign(x)·ln|x|, the search space's log (−∞ at 0).
  public func signedLog() throws -> Tensor { try Log.unaryTensor(self, eps: 0) }
  /// sign(x)·√|x|, the search space's sqrt.
  public func signedSqrt() throws -> Tensor { try Sqrt.unaryTensor(self, eps: 0) }
}
