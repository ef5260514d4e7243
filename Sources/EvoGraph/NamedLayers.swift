/// The paper's layers and the usual baselines, as graphs of the search space.
///
/// EvoNorm-B1's `x + 1` is `x + v1`: v1 starts at 1 and is trained, as every constant of the space is
/// a leaf. `bn`, `gn`, `batch_std` and `group_std` are norms without activation, for the lone norms of
/// residual blocks: the reference implementation uses `affine` there, timm's "a" variants divide by the
/// batch (B) or group (S) standard deviation.
public enum NamedLayers {
  /// Name, formula and whether the affine follows, in display order.
  public static let definitions: [(name: String, formula: String, affine: Bool)] = [
    ("bn_relu", "max((x - mean_bhw(x)) / sqrt(var_bhw(x)), 0)", true),
    ("gn_relu", "max((x - mean_hwc/g(x)) / sqrt(var_hwc/g(x)), 0)", true),
    ("ln_relu", "max((x - mean_hwc(x)) / sqrt(var_hwc(x)), 0)", true),
    ("in_relu", "max((x - mean_hw(x)) / sqrt(var_hw(x)), 0)", true),
    ("bn_swish", "((x - mean_bhw(x)) / sqrt(var_bhw(x)))*sigmoid((x - mean_bhw(x)) / sqrt(var_bhw(x)))", true),
    ("gn_swish", "((x - mean_hwc/g(x)) / sqrt(var_hwc/g(x)))*sigmoid((x - mean_hwc/g(x)) / sqrt(var_hwc/g(x)))", true),
    ("evonorm_b0", "x / max(sqrt(var_bhw(x)), v1*x + sqrt(var_hw(x)))", true),
    ("evonorm_b1", "x / max(sqrt(var_bhw(x)), (x + v1)*sqrt(mu2_hw(x)))", true),
    ("evonorm_b2", "x / max(sqrt(var_bhw(x)), sqrt(mu2_hw(x)) - x)", true),
    ("evonorm_s0", "x*sigmoid(v1*x) / sqrt(var_hwc/g(x))", true),
    ("evonorm_s1", "x*sigmoid(x) / sqrt(var_hwc/g(x))", true),
    ("evonorm_s2", "x*sigmoid(x) / sqrt(mu2_hwc/g(x))", true),
    ("bn", "(x - mean_bhw(x)) / sqrt(var_bhw(x))", true),
    ("gn", "(x - mean_hwc/g(x)) / sqrt(var_hwc/g(x))", true),
    ("batch_std", "x / sqrt(var_bhw(x))", true),
    ("group_std", "x / sqrt(var_hwc/g(x))", true),
    ("affine", "x", true),
    ("identity", "x", false),
  ]

  /// The names, in display order.
  public static var names: [String] { definitions.map(\.name) }

  /// The named layer's graph, or nil for an unknown name.
  public static func graph(_ name: String) -> LayerGraph? { graphs[name] }

  /// Every named layer's graph, parsed once on first use.
  private static let graphs: [String: LayerGraph] = Dictionary(
    uniqueKeysWithValues: definitions.compactMap { entry in
      (try? LayerGraph(formula: entry.formula, affine: entry.affine)).map { (entry.name, $0) }
    })
}
