import EvoTensor

extension FusedEvaluator {
  /// Gradients for x, v0, v1 (and gamma, beta) from the output gradient `dy`, in the sweeps `FusedPlan`
  /// describes. Each sweep recomputes the chain and back-propagates through it (natively when compiled)
  /// with the aggregation gradients of the sweep before, and collects the tables' gradients; when every
  /// aggregation reads x, one sweep and a light pass for x's aggregations replace the level + 1 sweeps.
  func backward(_ dy: Tensor) throws -> [Tensor?] {
    let rows = plan.graph.nodeCount
    let count = nc
    let lightPass = plan.aggregatesOnlyInput
    let dx = try Tensor.uninitialized(x.shape)
    let dyFull = dy.shape == x.shape ? dy : try dy.broadcast(to: x.shape).copy()
    // Σ dy·out and Σ dy per plane, stored by the last sweep when affine.
    let affineGrads = try TableRows(rows: 2, entries: count, zeroed: false)
    var spread = try TableRows(rows: rows, entries: count, zeroed: true)
    var tableGrads = spread  // the last sweep's table gradients
    guard let dxBase = dx.mutableBase else {
      return try gradients(dx: dx, tableGrads: tableGrads, affineGrads: affineGrads)
    }
    let sweeps = lightPass ? 1 : plan.outputLevel + 1
    for sweep in 1...sweeps {
      let current = try TableRows(rows: rows, entries: count, zeroed: true)
      // A light pass's single sweep has no aggregation gradients yet: the zero spread serves as is.
      let coefficients = lightPass ? spread : try aggregationCoefficients(spread)
      if let native {
        nativeSweep(native, dy: dyFull, dx: dxBase, coefficients: coefficients, into: current, affineGrads: affineGrads)
      } else {
        swiftSweep(
          dy: dyFull, dx: dxBase, coefficients: coefficients, into: current, affineGrads: affineGrads,
          last: sweep == sweeps)
      }
      propagateTables(current)
      tableGrads = current
      spread = try spreadAggregationGradients(current)
    }
    // Only when an aggregation reads x: adding 0 + 0·x would turn a NaN x's zero gradient into NaN.
    if lightPass && !plan.readers[0].isEmpty {
      addInputAggregationGradients(dx, coefficients: try aggregationCoefficients(spread))
    }
    return try gradients(dx: dx, tableGrads: tableGrads, affineGrads: affineGrads)
  }

  /// One backward sweep in Swift, a block of planes at a time in registers; the last writes dx.
  private func swiftSweep(
    dy: Tensor, dx dxBase: SendablePointer<Float>, coefficients: TableRows, into current: TableRows,
    affineGrads: TableRows,
    last: Bool
  ) {
    let graph = plan.graph
    let rows = graph.nodeCount
    let planeSize = plane
    let cap = capacity
    let affine = graph.affine
    let out = graph.output
    let channels = c
    let level = plan.outputLevel
    let gamma = layer.gamma.values
    let tp = SendablePointer(tables.base)
    let kp = SendablePointer(coefficients.base)
    let cp = SendablePointer(current.base)
    let gp = SendablePointer(affineGrads[0])
    let bp = SendablePointer(affineGrads[1])
    x.withData { xd in
      dy.withData { dd in
        guard let xb = xd.baseAddress, let dyb = dd.baseAddress else { return }
        let xp = SendablePointer(UnsafeMutablePointer(mutating: xb))
        let dyp = SendablePointer(UnsafeMutablePointer(mutating: dyb))
        forEachBlock { r, p0, p1 in
          let len = (p1 - p0) * planeSize
          let xBlock = UnsafePointer(xp.pointer + p0 * planeSize)
          let dyBlock = UnsafePointer(dyp.pointer + p0 * planeSize)
          self.computeChain(r, p0, p1, level: level, x: xBlock, tables: tp.pointer)
          // Gradient rows are written before they are read: the first contribution to a row stores,
          // later ones add, so no row needs zeroing. On the last sweep x's row is dx itself.
          var written = GradientRows(count: rows)
          let xRow = last ? dxBase.pointer + p0 * planeSize : r.grads
          func row(_ k: Int) -> UnsafeMutablePointer<Float> { k == 0 ? xRow : r.grads + k * cap }
          let outValues = out == 0 ? xBlock : UnsafePointer(r.values + out * cap)
          let gOut = row(out)
          written.insert(out)
          for q in p0..<p1 {
            let o = (q - p0) * planeSize
            let scale = affine ? gamma[q % channels] : 1
            FusedKernels.scale(gOut + o, dyBlock + o, planeSize, by: scale)
            if last && affine {
              (gp.pointer[q], bp.pointer[q]) = FusedKernels.dotAndSum(dyBlock + o, outValues + o, planeSize)
            }
          }
          for step in self.plan.steps.reversed() {
            self.addAggregationGradients(
              row(step.node), node: step.node, p0, p1, len: len, written: &written,
              values: UnsafePointer(r.values + step.node * cap), coefficients: kp.pointer)
            self.propagate(r, step, p0, p1, len: len, x: xBlock, rows: row, written: &written, into: cp.pointer)
          }
          self.addAggregationGradients(
            xRow, node: 0, p0, p1, len: len, written: &written, values: xBlock, coefficients: kp.pointer)
          if !written.contains(0) { xRow.update(repeating: 0, count: len) }
        }
      }
    }
  }

  /// Per aggregation and entry, its statistic's total gradient over the set size (0 when frozen):
  /// the per-plane coefficient of the aggregation's gradient with respect to its input.
  private func aggregationCoefficients(_ spread: TableRows) throws -> TableRows {
    // Only the aggregations' rows are written and read.
    let result = try TableRows(rows: plan.graph.nodeCount, entries: nc, zeroed: false)
    for a in plan.aggregations {
      let factor = frozen[a.node] ? 0 : 1 / Float(setSize(a.axes))
      let source = spread[a.node]
      let target = result[a.node]
      for q in 0..<nc { target[q] = source[q] * factor }
    }
    return result
  }

  /// The gradients for x, v0, v1 (and gamma, beta) from dx and the (N, C) gradient rows.
  /// `affineGrads` holds Σ dy·out (row 0) and Σ dy (row 1) per plane.
  private func gradients(dx: Tensor, tableGrads: TableRows, affineGrads: TableRows) throws -> [Tensor?] {
    let graph = plan.graph
    var result: [Tensor?] = [
      dx, graph.uses(.v0) ? try channelSums(tableGrads[2]) : nil,
      graph.uses(.v1) ? try channelSums(tableGrads[3]) : nil,
    ]
    if graph.affine { result += [try channelSums(affineGrads[0]), try channelSums(affineGrads[1])] }
    return result
  }

  /// Adds, for every aggregation reading node k, its gradient with respect to k's values into `g`.
  private func addAggregationGradients(
    _ g: UnsafeMutablePointer<Float>, node k: Int, _ p0: Int, _ p1: Int, len: Int, written: inout GradientRows,
    values: UnsafePointer<Float>, coefficients: UnsafePointer<Float>
  ) {
    let readers = plan.readers[k].filter { !frozen[$0.node] }
    guard !readers.isEmpty else { return }
    if !written.contains(k) {
      g.update(repeating: 0, count: len)
      written.insert(k)
    }
    for a in readers {
      for q in p0..<p1 {
        let coefficient = coefficients[a.node * nc + q]
        guard coefficient != 0 else { continue }
        let o = (q - p0) * plane
        switch a.statistic {
        case .mean: for i in o..<o + plane { g[i] += coefficient }
        case .secondMoment: for i in o..<o + plane { g[i] += 2 * coefficient * values[i] }
        case .variance:
          let m = means[a.node][q]
          for i in o..<o + plane { g[i] += 2 * coefficient * (values[i] - m) }
        }
      }
    }
  }

  /// dx += the gradients of the aggregations of x, all at once per plane as dx += A + B·x.
  private func addInputAggregationGradients(_ dx: Tensor, coefficients: TableRows) {
    let planeSize = plane
    let count = nc
    var shifts = [Float](repeating: 0, count: count)
    var scales = shifts
    shifts.withUnsafeMutableBufferPointer { shift in
      scales.withUnsafeMutableBufferPointer { scale in
        for a in plan.readers[0] {
          let coefficient = coefficients[a.node]
          let mean = means[a.node]
          for q in 0..<count {
            switch a.statistic {
            case .mean: shift[q] += coefficient[q]
            case .secondMoment: scale[q] += 2 * coefficient[q]
            case .variance:
              scale[q] += 2 * coefficient[q]
              shift[q] -= 2 * coefficient[q] * mean[q]
            }
          }
        }
      }
    }
    guard let d = dx.mutableBase else { return }
    x.withData { xd in
      shifts.withUnsafeBufferPointer { sh in
        scales.withUnsafeBufferPointer { sc in
          guard let xb = xd.baseAddress, let shb = sh.baseAddress, let scb = sc.baseAddress else { return }
          let xp = SendablePointer(UnsafeMutablePointer(mutating: xb))
          let shp = SendablePointer(UnsafeMutablePointer(mutating: shb))
          let scp = SendablePointer(UnsafeMutablePointer(mutating: scb))
          Parallel.forRanges(count, minimumPerWorker: Swift.max(1, 16384 / Swift.max(planeSize, 1))) { range in
            for q in range {
              FusedKernels.addLinear(
                d.pointer + q * planeSize, xp.pointer + q * planeSize, planeSize, shift: shp.pointer[q],
                scale: scp.pointer[q])
            }
          }
        }
      }
    }
  }

  /// Back-propagates a full node's register gradient into its inputs: full inputs' gradient rows
  /// (stored on their first contribution, added after), table inputs' (N, C) gradient entries.
  private func propagate(
    _ r: Registers, _ step: FusedPlan.Step, _ p0: Int, _ p1: Int, len: Int, x: UnsafePointer<Float>,
    rows: (Int) -> UnsafeMutablePointer<Float>, written: inout GradientRows,
    into tableGrads: UnsafeMutablePointer<Float>
  ) {
    // A node nothing has sent a gradient to (its only readers are frozen batch statistics, in
    // inference) has a zero gradient and an unwritten row: it contributes nothing.
    guard written.contains(step.node) else { return }
    let aTable = plan.kinds[step.a] == .table
    let bTable = !step.unary && plan.kinds[step.b] == .table
    let ga = aTable ? r.scratch : rows(step.a)
    let gb = bTable ? r.scratch + capacity : rows(step.b)
    let overwriteA = aTable || !written.contains(step.a)
    if !aTable { written.insert(step.a) }
    let overwriteB = bTable || !written.contains(step.b)
    if !bTable && !step.unary { written.insert(step.b) }
    let a = step.a == 0 ? x : UnsafePointer(r.values + step.a * capacity)
    let b = step.b == 0 ? x : UnsafePointer(r.values + step.b * capacity)
    step.rule.backward(
      g: UnsafePointer(rows(step.node)), out: UnsafePointer(r.values + step.node * capacity),
      a: a, b: b, ga: ga, gb: step.unary ? nil : gb, len, eps: eps, overwriteA: overwriteA, overwriteB: overwriteB)
    func collect(_ node: Int, _ scratch: UnsafeMutablePointer<Float>) {
      for q in p0..<p1 {
        tableGrads[node * nc + q] += FusedKernels.sum(scratch + (q - p0) * plane, plane)
      }
    }
    if aTable { collect(step.a, ga) }
    if bTable { collect(step.b, gb) }
  }

  /// Back-propagates through element-wise table nodes (in reverse order) into their table inputs.
  private func propagateTables(_ grads: TableRows) {
    for step in plan.tableSteps.reversed() {
      // A table step's inputs are earlier nodes: its gradient row is never one it writes.
      step.rule.backward(
        g: grads[step.node], out: tables[step.node], a: tables[step.a], b: tables[step.b],
        ga: grads[step.a], gb: step.unary ? nil : grads[step.b], nc, eps: eps, overwriteA: false, overwriteB: false)
    }
  }

  /// For each aggregation, the total gradient of each entry's statistic (summed over its index set).
  private func spreadAggregationGradients(_ grads: TableRows) throws -> TableRows {
    // Only the aggregations' rows are written and read.
    let result = try TableRows(rows: plan.graph.nodeCount, entries: nc, zeroed: false)
    for a in plan.aggregations {
      let g = grads[a.node]
      let r = result[a.node]
      totalsOverIndexSets(a.axes, { Double(g[$0]) }, { p, total in r[p] = Float(total) })
    }
    return result
  }

  /// Sums an (N, C) row over the batch into a (1, C, 1, 1) tensor.
  private func channelSums(_ values: UnsafePointer<Float>) throws -> Tensor {
    var sums = [Float](repeating: 0, count: c)
    let channels = c
    sums.withUnsafeMutableBufferPointer { s in
      for image in 0..<n { for ch in 0..<channels { s[ch] += values[image * channels + ch] } }
    }
    return try Tensor(shape: [1, c, 1, 1], values: sums)
  }
}

/// Which gradient rows of a block hold a value yet: a bit mask, with an array only for graphs of more
/// than 64 nodes.
struct GradientRows {
  private var mask: UInt64 = 0
  private var beyond: [Bool]

  init(count: Int) { beyond = count > 64 ? [Bool](repeating: false, count: count - 64) : [] }

  func contains(_ row: Int) -> Bool { row < 64 ? mask & (1 << UInt64(row)) != 0 : beyond[row - 64] }

  mutating func insert(_ row: Int) {
    if row < 64 { mask |= 1 << UInt64(row) } else { beyond[row - 64] = true }
  }
}
