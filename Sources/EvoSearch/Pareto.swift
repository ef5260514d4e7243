/// Pareto fronts over several architectures' scores (higher is better on every one).
public enum Pareto {
  /// Whether `a` dominates `b`: at least as good everywhere and better somewhere.
  public static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
    var better = false
    for (x, y) in zip(a, b) {
      if x < y { return false }
      if x > y { better = true }
    }
    return better
  }

  /// Indices of the score vectors that no other vector dominates, in input order.
  public static func front(_ scores: [[Double]]) -> [Int] {
    scores.indices.filter { i in !scores.indices.contains { j in j != i && dominates(scores[j], scores[i]) } }
  }
}
