/// The inner loops of fused evaluation over contiguous float runs, eight lanes at a time: each
/// element-wise rule's forward and backward (exp, sigmoid and tanh through the vectorised e^x of
/// `Lanes`; the scalar tails use libm), the affine, and sums.
enum FusedKernels {
  typealias V = SIMD8<Float>

  /// Eight floats from p[i...]; spelled element by element, which the optimiser turns into one unaligned
  /// vector load (the generic `loadUnaligned` was left as a call per vector).
  @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
    let q = p + i
    return V(q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7])
  }
  @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
  }

  /// Runs `vector` on each full group of 8 and `scalar` on the rest.
  @inline(__always) static func each(_ n: Int, _ vector: (Int) -> Void, _ scalar: (Int) -> Void) {
    var i = 0
    while i + 8 <= n {
      vector(i)
      i += 8
    }
    while i < n {
      scalar(i)
      i += 1
    }
  }

  /// out[i] = x[i] · scale + shift.
  static func affine(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, scale: Float, shift: Float
  ) {
    each(n, { store(load(x, $0) * scale + shift, out, $0) }, { out[$0] = x[$0] * scale + shift })
  }

  /// Whether no value is infinite or NaN (x · 0 is 0 exactly for finite x, NaN otherwise).
  static func allFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
    var vector = V.zero
    var scalar: Float = 0
    each(n, { vector += load(x, $0) * 0 }, { scalar += x[$0] * 0 })
    return (vector.sum() + scalar) == 0
  }

  /// Σ x[i], eight lanes wide.
  static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var vector = V.zero
    var tail: Float = 0
    each(n, { vector += load(x, $0) }, { tail += x[$0] })
    return vector.sum() + tail
  }

  /// Σ a[i]·b[i] and Σ a[i], eight lanes wide.
  static func dotAndSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
    var dot = V.zero
    var sum = V.zero
    var dotTail: Float = 0
    var sumTail: Float = 0
    each(
      n,
      { i in
        let x = load(a, i)
        dot += x * load(b, i)
        sum += x
      },
      { i in
        dotTail += a[i] * b[i]
        sumTail += a[i]
      })
    return (dot.sum() + dotTail, sum.sum() + sumTail)
  }

  /// out[i] = x[i] · factor.
  static func scale(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, by factor: Float) {
    each(n, { store(load(x, $0) * factor, out, $0) }, { out[$0] = x[$0] * factor })
  }

  /// out[i] += shift + x[i] · scale.
  static func addLinear(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, shift: Float, scale: Float
  ) {
    each(n, { store(load(out, $0) + load(x, $0) * scale + shift, out, $0) }, { out[$0] += shift + x[$0] * scale })
  }
}

/// Every rule's loops: its `Lanes` definition on eight lanes, then on the scalar tail.
extension ElementwiseRule {
  static func forward(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int, eps: Float
  ) {
    // Spelled out rather than through `each`: the optimiser left the larger rules' bodies as calls.
    let lanesEps = FusedKernels.V(eps)
    var i = 0
    while i + 8 <= n {
      FusedKernels.store(value(FusedKernels.load(a, i), FusedKernels.load(b, i), eps: lanesEps), out, i)
      i += 8
    }
    while i < n {
      out[i] = value(a[i], b[i], eps: eps)
      i += 1
    }
  }

  static func backward(
    g: UnsafePointer<Float>, out: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    ga: UnsafeMutablePointer<Float>?, gb: UnsafeMutablePointer<Float>?, _ n: Int, eps: Float, overwriteA: Bool,
    overwriteB: Bool
  ) {
    // One loop per way of writing, so that no choice is made per element (a missing target is skipped,
    // and what only it needed is never computed).
    func run<A: GradientWrite, B: GradientWrite>(
      _: A.Type, _ ga: UnsafeMutablePointer<Float>, _: B.Type, _ gb: UnsafeMutablePointer<Float>
    ) {
      sweep(g: g, out: out, a: a, b: b, A.self, ga, B.self, gb, n, eps: eps)
    }
    switch (ga, gb) {
    case (let ga?, let gb?):
      switch (overwriteA, overwriteB) {
      case (true, true): run(StoreGradient.self, ga, StoreGradient.self, gb)
      case (true, false): run(StoreGradient.self, ga, AddGradient.self, gb)
      case (false, true): run(AddGradient.self, ga, StoreGradient.self, gb)
      case (false, false): run(AddGradient.self, ga, AddGradient.self, gb)
      }
    case (let ga?, nil):
      overwriteA ? run(StoreGradient.self, ga, SkipGradient.self, ga) : run(AddGradient.self, ga, SkipGradient.self, ga)
    case (nil, let gb?):
      overwriteB ? run(SkipGradient.self, gb, StoreGradient.self, gb) : run(SkipGradient.self, gb, AddGradient.self, gb)
    case (nil, nil):
      return
    }
  }

  /// The backward loop for one way of writing each target; ga and gb may be one row (x * x): a's
  /// contribution is written before b's.
  @inline(__always) private static func sweep<A: GradientWrite, B: GradientWrite>(
    g: UnsafePointer<Float>, out: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    _: A.Type, _ ga: UnsafeMutablePointer<Float>, _: B.Type, _ gb: UnsafeMutablePointer<Float>, _ n: Int, eps: Float
  ) {
    typealias K = FusedKernels
    let lanesEps = K.V(eps)
    var i = 0
    while i + 8 <= n {
      let (da, db) = gradients(K.load(g, i), y: K.load(out, i), K.load(a, i), K.load(b, i), eps: lanesEps)
      A.write(da, ga, i)
      B.write(db, gb, i)
      i += 8
    }
    while i < n {
      let (da, db) = gradients(g[i], y: out[i], a[i], b[i], eps: eps)
      A.write(da, ga, i)
      B.write(db, gb, i)
      i += 1
    }
  }
}

/// How a gradient contribution reaches its row.
protocol GradientWrite {
  static func write(_ v: FusedKernels.V, _ row: UnsafeMutablePointer<Float>, _ i: Int)
  static func write(_ v: Float, _ row: UnsafeMutablePointer<Float>, _ i: Int)
}

/// The row holds nothing yet: the contribution is stored.
enum StoreGradient: GradientWrite {
  @inline(__always) static func write(_ v: FusedKernels.V, _ row: UnsafeMutablePointer<Float>, _ i: Int) {
    FusedKernels.store(v, row, i)
  }
  @inline(__always) static func write(_ v: Float, _ row: UnsafeMutablePointer<Float>, _ i: Int) { row[i] = v }
}

/// The contribution is added to the row.
enum AddGradient: GradientWrite {
  @inline(__always) static func write(_ v: FusedKernels.V, _ row: UnsafeMutablePointer<Float>, _ i: Int) {
    FusedKernels.store(FusedKernels.load(row, i) + v, row, i)
  }
  @inline(__always) static func write(_ v: Float, _ row: UnsafeMutablePointer<Float>, _ i: Int) { row[i] += v }
}

/// No row wants the contribution.
enum SkipGradient: GradientWrite {
  @inline(__always) static func write(_ v: FusedKernels.V, _ row: UnsafeMutablePointer<Float>, _ i: Int) {}
  @inline(__always) static func write(_ v: Float, _ row: UnsafeMutablePointer<Float>, _ i: Int) {}
}
