/// The C source of a fused plan's sweeps. Each function walks a range of planes; per plane it reads
/// the operand tables once, then runs the element-wise chain per element in registers, which the C
/// compiler vectorises. The element-wise arithmetic is each rule's `Lanes` definition written out by
/// `CCode`: the same the Swift sweeps run.
///
/// ```c
/// int evo_forward(x, y, tables, gamma, beta, nc, c, plane, p0, p1, eps)   // 1 when every y is finite
/// void evo_backward(x, dy, dx, tables, tableGrads, dGamma, dBeta, gamma, coefficients, means,
///                   nc, c, plane, p0, p1, eps)
/// void evo_sums_L(x, tables, s1, s2, nc, c, plane, p0, p1, eps)          // plans of several levels
/// ```
/// `evo_backward` writes dx, adds each plane's gradient sums of the operand tables into `tableGrads`
/// (node-major, like `tables`), and stores Σ dy·out and Σ dy per plane. When every aggregation reads x
/// (`FusedPlan.aggregatesOnlyInput`) one sweep suffices and dx leaves out the aggregations' share,
/// which the caller adds. Otherwise the caller runs it once per level plus one (see `FusedPlan`): each
/// sweep adds the aggregations' gradients from the per-plane `coefficients` (the statistic's gradient
/// over its set size, node-major) and `means`, and the last sweep's dx is complete. `evo_sums_L`
/// stores per-plane Σv and Σv² of the full nodes the aggregations of level L read, in
/// `FusedPlan.sources(level:)` order, for the forward's statistics.
enum NativeSource {
  /// The source for `plan`.
  static func make(_ plan: FusedPlan) -> String {
    let levels = plan.aggregatesOnlyInput ? "" : (0..<plan.outputLevel).map { sums(plan, level: $0) }.joined()
    return prelude + forward(plan) + backward(plan) + levels
  }

  private static let parameters = "long nc, long c, long plane, long p0, long p1, float eps"

  private static func forward(_ plan: FusedPlan) -> String {
    let affine = plan.graph.affine
    var s = """
      int evo_forward(const float *restrict x, float *restrict y, const float *restrict tables,
                      const float *restrict gamma, const float *restrict beta, \(parameters)) {
        int bad = 0;
        for (long q = p0; q < p1; q++) {
          const float *restrict xq = x + q * plane;
          float *restrict yq = y + q * plane;

      """
    s += operandLoads(plan)
    s += affine ? "    const float scale = gamma[q % c], shift = beta[q % c];\n" : ""
    s += "    #pragma clang loop vectorize(enable)\n    for (long i = 0; i < plane; i++) {\n"
    s += chain(plan)
    s +=
      "      const float out = \(affine ? "\(value(plan, plan.graph.output)) * scale + shift" : value(plan, plan.graph.output));\n"
    s += "      yq[i] = out;\n      bad |= evo_not_finite(out);\n    }\n  }\n  return !bad;\n}\n\n"
    return s
  }

  private static func backward(_ plan: FusedPlan) -> String {
    let affine = plan.graph.affine
    let graph = plan.graph
    let tableTargets = plan.operandTables
    var s = """
      void evo_backward(const float *restrict x, const float *restrict dy, float *restrict dx,
                        const float *restrict tables, float *restrict tableGrads, float *restrict dGamma,
                        float *restrict dBeta, const float *restrict gamma, const float *restrict coefficients,
                        const float *restrict means, \(parameters)) {
        for (long q = p0; q < p1; q++) {
          const float *restrict xq = x + q * plane, *restrict dyq = dy + q * plane;
          float *restrict dxq = dx + q * plane;

      """
    s += operandLoads(plan)
    let terms = !plan.aggregatesOnlyInput
    if terms {
      for a in plan.aggregations {
        s += "    const float k\(a.node) = coefficients[\(a.node) * nc + q], m\(a.node) = means[\(a.node) * nc + q];\n"
      }
    }
    s += "    const float scale = \(affine ? "gamma[q % c]" : "1.0f");\n"
    s += "    float sumDyOut = 0, sumDy = 0;\n"
    for k in tableTargets { s += "    float s\(k) = 0;\n" }
    s += "    #pragma clang loop vectorize(enable)\n    for (long i = 0; i < plane; i++) {\n"
    s += chain(plan)
    s += "      const float gy = dyq[i];\n"
    s += "      sumDyOut += gy * \(value(plan, graph.output));\n      sumDy += gy;\n"
    s += "      float g0 = 0;\n"
    for step in plan.steps { s += "      float g\(step.node) = 0;\n" }
    s += "      g\(graph.output) += gy * scale;\n"
    for step in plan.steps.reversed() {
      if terms { s += aggregationTerms(plan, node: step.node) }
      s += gradient(plan, step)
    }
    if terms { s += aggregationTerms(plan, node: 0) }
    s += "      dxq[i] = g0;\n    }\n"
    for k in tableTargets { s += "    tableGrads[\(k) * nc + q] += s\(k);\n" }
    s += "    dGamma[q] = sumDyOut;\n    dBeta[q] = sumDy;\n  }\n}\n"
    return s
  }

  /// Adds to node k's gradient the gradients of the aggregations reading it: a mean's coefficient, a
  /// second moment's 2·coefficient·v, a variance's 2·coefficient·(v − mean).
  private static func aggregationTerms(_ plan: FusedPlan, node k: Int) -> String {
    plan.readers[k].map { a in
      let v = value(plan, k)
      switch a.statistic {
      case .mean: return "      g\(k) += k\(a.node);\n"
      case .secondMoment: return "      g\(k) += 2.0f * k\(a.node) * \(v);\n"
      case .variance: return "      g\(k) += 2.0f * k\(a.node) * (\(v) - m\(a.node));\n"
      }
    }.joined()
  }

  /// `evo_sums_L`: per plane, Σv and Σv² of each source of level L's aggregations.
  private static func sums(_ plan: FusedPlan, level: Int) -> String {
    let sources = plan.sources(level: level)
    var s = """
      void evo_sums_\(level)(const float *restrict x, const float *restrict tables, double *restrict s1,
                        double *restrict s2, \(parameters)) {
        for (long q = p0; q < p1; q++) {
          const float *restrict xq = x + q * plane;

      """
    s += operandLoads(plan, upTo: level)
    for k in sources { s += "    float a\(k) = 0, b\(k) = 0;\n" }
    s += "    #pragma clang loop vectorize(enable)\n    for (long i = 0; i < plane; i++) {\n"
    s += chain(plan, upTo: level)
    for k in sources {
      let v = value(plan, k)
      s += "      a\(k) += \(v);\n      b\(k) += \(v) * \(v);\n"
    }
    s += "    }\n"
    for (index, k) in sources.enumerated() {
      s += "    s1[\(index) * nc + q] = a\(k);\n    s2[\(index) * nc + q] = b\(k);\n"
    }
    s += "  }\n}\n\n"
    return s
  }

  /// One `const float tK = tables[K * nc + q];` per operand table (of level at most `level`).
  private static func operandLoads(_ plan: FusedPlan, upTo level: Int = .max) -> String {
    plan.operandTables.filter { plan.levels[$0] <= level }.map { "    const float t\($0) = tables[\($0) * nc + q];\n" }
      .joined()
  }

  /// The C name of node k's value inside the element loop.
  private static func value(_ plan: FusedPlan, _ k: Int) -> String {
    k == 0 ? "xq[i]" : (plan.kinds[k] == .table ? "t\(k)" : "v\(k)")
  }

  /// The forward chain: one `const float vK = ...;` per full node (of level at most `level`).
  private static func chain(_ plan: FusedPlan, upTo level: Int = .max) -> String {
    plan.steps.filter { $0.level <= level }.map { step in
      let a = value(plan, step.a)
      let b = value(plan, step.b)
      return "      const float v\(step.node) = \(step.rule.value(CCode(a), CCode(b), eps: CCode("eps")).text);\n"
    }.joined()
  }

  /// Adds a full node's gradient contributions into its inputs' gradients (sums for table inputs).
  private static func gradient(_ plan: FusedPlan, _ step: FusedPlan.Step) -> String {
    func target(_ k: Int) -> String { plan.kinds[k] == .table ? "s\(k)" : "g\(k)" }
    let (da, db) = step.rule.gradients(
      CCode("g\(step.node)"), y: CCode("v\(step.node)"), CCode(value(plan, step.a)),
      CCode(value(plan, step.b)), eps: CCode("eps"))
    let first = "      \(target(step.a)) += \(da.text);\n"
    return step.unary ? first : first + "      \(target(step.b)) += \(db.text);\n"
  }

  /// Scalar helpers the vectoriser turns into lane-wise code: the e^x, tanh and log of `Lanes`, written
  /// out by `CCode`.
  static let prelude =
    """
    /* Generated by Evo from a layer graph: the fused forward and backward sweeps. */
    static inline float evo_bits_to_float(int b) { float f; __builtin_memcpy(&f, &b, 4); return f; }
    static inline int evo_float_to_bits(float f) { int b; __builtin_memcpy(&b, &f, 4); return b; }
    static inline int evo_not_finite(float v) { return (evo_float_to_bits(v) & 0x7f800000) == 0x7f800000; }

    """ + CCode.function("evo_exp", CCode.expApproximation) + CCode.function("evo_tanh", CCode.tanhThroughExp)
    + CCode.function("evo_log_positive", CCode.logApproximation) + "\n"
}
