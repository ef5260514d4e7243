import EvoTensor

/// Evaluates a layer graph fused (see `FusedPlan`): aggregations from per-plane sums, then one pass over
/// memory for the element-wise chain, a block of planes at a time in registers that stay in cache. The
/// whole layer is one autodiff operation whose backward re-runs the chain block by block.
final class FusedEvaluator: @unchecked Sendable {
  let plan: FusedPlan
  let layer: GraphLayer
  let x: Tensor
  /// The plan's sweeps as native code, when compiled.
  let native: NativeKernel?
  let n: Int, c: Int, plane: Int, nc: Int
  let eps: Float
  /// Planes per register block, and the block's capacity in floats.
  let planesPerBlock: Int, capacity: Int
  /// (N, C) tables of the table nodes (rows of full nodes unused).
  let tables: TableRows
  /// The mean of each variance aggregation's index set, for its backward.
  let means: TableRows
  /// Batch aggregations read from moving averages (inference): no gradient flows through them.
  var frozen: [Bool]

  /// Floats per register row: a block of planes small enough for the registers to stay in cache.
  static let blockElements = 1024

  init(plan: FusedPlan, layer: GraphLayer, x: Tensor, native: NativeKernel?) throws {
    self.plan = plan
    self.layer = layer
    self.x = x
    self.native = native
    n = x.shape[0]
    c = x.shape[1]
    plane = x.shape[2] * x.shape[3]
    nc = n * c
    eps = layer.options.eps
    planesPerBlock = Swift.max(1, Self.blockElements / Swift.max(plane, 1))
    capacity = planesPerBlock * plane
    let rows = plan.graph.nodeCount
    tables = try TableRows(rows: rows, entries: nc, zeroed: true)
    means = try TableRows(rows: rows, entries: nc, zeroed: false)  // written by each aggregation
    frozen = [Bool](repeating: false, count: rows)
  }

  // MARK: - Forward

  func forward() throws -> Tensor {
    let graph = plan.graph
    fillLeafTables()
    var computed = [Bool](repeating: false, count: graph.nodeCount)
    for leaf in 0..<LayerGraph.leafCount { computed[leaf] = true }
    computeReadyTables(upTo: 0, computed: &computed)
    for level in 0..<plan.outputLevel {
      let sources = plan.sources(level: level)
      let (s1, s2) = try levelSums(level, sources: sources)
      for (index, source) in sources.enumerated() {
        let entries = index * nc..<(index + 1) * nc
        for a in plan.aggregations where a.input == source {
          aggregate(a, s1[entries], s2[entries])
          computed[a.node] = true
        }
      }
      computeReadyTables(upTo: level + 1, computed: &computed)
    }
    let y = try Tensor.uninitialized(x.shape)
    let finite =
      native.map { nativeForward($0, into: y) } ?? sweepForward(level: plan.outputLevel, materialise: [], output: y)
    guard finite else { throw GraphLayer.nonFiniteOutput(graph) }
    var recorded = [x, layer.v0, layer.v1]
    if graph.affine { recorded += [layer.gamma, layer.beta] }
    return Tensor.custom(y, inputs: recorded) { [self] g in try backward(g) }
  }

  private func fillLeafTables() {
    let channels = c
    layer.v0.withData { v0 in
      layer.v1.withData { v1 in
        guard let v0 = v0.baseAddress, let v1 = v1.baseAddress else { return }
        for image in 0..<n {
          (tables[2] + image * channels).update(from: v0, count: channels)
          (tables[3] + image * channels).update(from: v1, count: channels)
        }
      }
    }
  }

  /// Computes the element-wise table nodes whose inputs are known (level at most `level`).
  private func computeReadyTables(upTo level: Int, computed: inout [Bool]) {
    for step in plan.tableSteps where !computed[step.node] && step.level <= level {
      guard computed[step.a] && computed[step.b] else { continue }
      step.rule.forward(tables[step.node], tables[step.a], tables[step.b], nc, eps: eps)
      computed[step.node] = true
    }
  }

  /// Per-plane Σv and Σv² of each source of level `level`'s aggregations, source-major: from the
  /// native chain when compiled, else from the sources materialised by a Swift sweep (x as it is).
  private func levelSums(_ level: Int, sources: [Int]) throws -> ([Double], [Double]) {
    if let native, level < native.sums.count { return nativeSums(native.sums[level], sources: sources.count) }
    var buffers: [Int: Tensor] = [0: x]
    let materialise = sources.filter { $0 != 0 }
    if !materialise.isEmpty {
      for k in materialise { buffers[k] = try Tensor.uninitialized(x.shape) }
      sweepForward(level: level, materialise: materialise.compactMap { k in buffers[k].map { (k, $0) } }, output: nil)
    }
    var s1 = [Double](repeating: 0, count: sources.count * nc)
    var s2 = s1
    s1.withUnsafeMutableBufferPointer { b1 in
      s2.withUnsafeMutableBufferPointer { b2 in
        guard let p1 = b1.baseAddress, let p2 = b2.baseAddress else { return }
        for (index, source) in sources.enumerated() {
          guard let buffer = buffers[source] else { continue }
          planeSums(buffer, into: p1 + index * nc, p2 + index * nc)
        }
      }
    }
    return (s1, s2)
  }

  /// Sum and sum of squares of every plane of a full value, in parallel.
  private func planeSums(
    _ source: Tensor, into first: UnsafeMutablePointer<Double>, _ second: UnsafeMutablePointer<Double>
  ) {
    let planeSize = plane
    let d1 = SendablePointer(first)
    let d2 = SendablePointer(second)
    source.withData { data in
      guard let base = data.baseAddress else { return }
      let src = SendablePointer(UnsafeMutablePointer(mutating: base))
      Parallel.forRanges(nc, minimumPerWorker: Swift.max(1, 16384 / Swift.max(planeSize, 1))) { range in
        for p in range {
          let (a, b) = FusedEvaluator.sums(src.pointer + p * planeSize, planeSize)
          d1.pointer[p] = a
          d2.pointer[p] = b
        }
      }
    }
  }

  /// Sum and sum of squares of `count` floats, eight lanes wide.
  static func sums(_ x: UnsafePointer<Float>, _ count: Int) -> (Double, Double) {
    var a = SIMD8<Float>()
    var b = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
      let v = FusedKernels.load(x, i)
      a += v
      b += v * v
      i += 8
    }
    var s1 = Double(a.sum())
    var s2 = Double(b.sum())
    while i < count {
      let v = Double(x[i])
      s1 += v
      s2 += v * v
      i += 1
    }
    return (s1, s2)
  }

  /// The aggregation's (N, C) table from per-plane sums; updates or reads the moving average.
  private func aggregate(_ a: FusedPlan.Aggregation, _ s1: ArraySlice<Double>, _ s2: ArraySlice<Double>) {
    let count = Double(setSize(a.axes))
    let statistic = a.statistic
    let mean = means[a.node]
    let table = tables[a.node]
    s1.withUnsafeBufferPointer { first in
      s2.withUnsafeBufferPointer { second in
        guard let s1 = first.baseAddress, let s2 = second.baseAddress else { return }
        totalsOverIndexSets(a.axes, { s1[$0] }) { p, total in mean[p] = Float(total / count) }
        totalsOverIndexSets(a.axes, { s2[$0] }) { p, total in
          let m2 = total / count
          let m = Double(mean[p])
          switch statistic {
          case .mean: table[p] = mean[p]
          case .secondMoment: table[p] = Float(m2)
          case .variance: table[p] = Float(Swift.max(0, m2 - m * m))
          }
        }
      }
    }
    guard a.axes == .batch, let moving = layer.movingAverages[a.node] else { return }
    if layer.training {
      let decay = layer.options.decay
      moving.withMutableData { avg in for ch in 0..<c { avg[ch] = decay * avg[ch] + (1 - decay) * table[ch] } }
    } else {
      moving.withData { avg in
        for image in 0..<n { for ch in 0..<c { table[image * c + ch] = avg[ch] } }
      }
      frozen[a.node] = true
    }
  }

  /// Calls `write(entry, total)` for every (N, C) entry with the total of `value` over its index set.
  /// Entries are image-major; a set is a run of `perSet` channels of one image (`axes` .batch: the same
  /// channel of every image).
  @inline(__always)
  func totalsOverIndexSets(_ axes: AggregationAxes, _ value: (Int) -> Double, _ write: (Int, Double) -> Void) {
    let channels = c
    switch axes {
    case .instance:
      for p in 0..<nc { write(p, value(p)) }
    case .batch:
      let totals = UnsafeMutablePointer<Double>.allocate(capacity: channels)
      defer { totals.deallocate() }
      totals.initialize(repeating: 0, count: channels)
      for image in 0..<n { for ch in 0..<channels { totals[ch] += value(image * channels + ch) } }
      for image in 0..<n { for ch in 0..<channels { write(image * channels + ch, totals[ch]) } }
    case .layer, .group:
      let perSet = axes == .layer ? channels : channels / layer.groups
      var start = 0
      while start < nc {
        var total = 0.0
        for p in start..<start + perSet { total += value(p) }
        for p in start..<start + perSet { write(p, total) }
        start += perSet
      }
    }
  }

  /// How many elements an aggregation over `axes` averages.
  func setSize(_ axes: AggregationAxes) -> Int {
    switch axes {
    case .instance: return plane
    case .batch: return n * plane
    case .layer: return c * plane
    case .group: return (c / layer.groups) * plane
    }
  }

  // MARK: - Blocks and registers

  /// Register rows for one worker: values and gradients of every node over one block, plus scratch.
  struct Registers {
    let values: UnsafeMutablePointer<Float>
    let grads: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>
    init(rows: Int, capacity: Int) {
      values = .allocate(capacity: rows * capacity)
      grads = .allocate(capacity: rows * capacity)
      scratch = .allocate(capacity: 2 * capacity)
    }
    func free() {
      values.deallocate()
      grads.deallocate()
      scratch.deallocate()
    }
  }

  /// Calls `body(registers, firstPlane, endPlane)` for every block of planes, blocks split over cores.
  func forEachBlock(_ body: @escaping @Sendable (Registers, Int, Int) -> Void) {
    let blocks = (nc + planesPerBlock - 1) / planesPerBlock
    let rows = plan.graph.nodeCount
    let cap = capacity
    let per = planesPerBlock
    let total = nc
    Parallel.forRanges(blocks, minimumPerWorker: Swift.max(1, 16 / Swift.max(1, cap / 1024))) { range in
      let r = Registers(rows: rows, capacity: cap)
      defer { r.free() }
      for block in range { body(r, block * per, Swift.min(total, (block + 1) * per)) }
    }
  }

  /// Fills the operand tables of planes p0..<p1 and computes the full nodes up to `level` into registers.
  func computeChain(
    _ r: Registers, _ p0: Int, _ p1: Int, level: Int, x: UnsafePointer<Float>, tables t: UnsafePointer<Float>
  ) {
    let len = (p1 - p0) * plane
    for k in plan.operandTables where plan.levels[k] <= level {
      let row = r.values + k * capacity
      for q in p0..<p1 { (row + (q - p0) * plane).update(repeating: t[k * nc + q], count: plane) }
    }
    for step in plan.steps where step.level <= level {
      let a = step.a == 0 ? x : UnsafePointer(r.values + step.a * capacity)
      let b = step.b == 0 ? x : UnsafePointer(r.values + step.b * capacity)
      step.rule.forward(r.values + step.node * capacity, a, b, len, eps: eps)
    }
  }

  /// Computes the chain up to `level` over every block, copying `materialise` nodes out and writing the
  /// output with its affine into `output`; returns whether every output value is finite.
  @discardableResult
  private func sweepForward(level: Int, materialise: [(Int, Tensor)], output: Tensor?) -> Bool {
    let planeSize = plane
    let cap = capacity
    let affine = plan.graph.affine
    let out = plan.graph.output
    let channels = c
    let targets = materialise.compactMap { k, t in t.mutableBase.map { (k, $0) } }
    let y = output?.mutableBase
    let gamma = layer.gamma.values
    let beta = layer.beta.values
    var nonFinite = [UInt8](repeating: 0, count: (nc + planesPerBlock - 1) / planesPerBlock)
    let per = planesPerBlock
    let tp = SendablePointer(tables.base)
    x.withData { xd in
      nonFinite.withUnsafeMutableBufferPointer { nf in
        guard let xBase = xd.baseAddress, let flags = nf.baseAddress else { return }
        let xp = SendablePointer(UnsafeMutablePointer(mutating: xBase))
        let fp = SendablePointer(flags)
        forEachBlock { r, p0, p1 in
          let xBlock = UnsafePointer(xp.pointer + p0 * planeSize)
          let len = (p1 - p0) * planeSize
          self.computeChain(r, p0, p1, level: level, x: xBlock, tables: tp.pointer)
          for (k, target) in targets {
            (target.pointer + p0 * planeSize).update(
              from: k == 0 ? xBlock : UnsafePointer(r.values + k * cap), count: len)
          }
          guard let y else { return }
          let src = out == 0 ? xBlock : UnsafePointer(r.values + out * cap)
          let dst = y.pointer + p0 * planeSize
          if affine {
            for q in p0..<p1 {
              let g = gamma[q % channels]
              let b = beta[q % channels]
              let o = (q - p0) * planeSize
              FusedKernels.affine(dst + o, src + o, planeSize, scale: g, shift: b)
            }
          } else {
            dst.update(from: src, count: len)
          }
          if !FusedKernels.allFinite(dst, len) { fp.pointer[p0 / per] = 1 }
        }
      }
    }
    return !nonFinite.contains(1)
  }
}

extension Tensor {
  /// The start of the (uniquely owned, non-empty) storage, kept alive by the tensor.
  var mutableBase: SendablePointer<Float>? {
    withMutableData { data in data.baseAddress.map { SendablePointer($0) } }
  }
}
