import EvoTensor

/// How a tournament's winner is chosen.
public enum SelectionRule: String, Sendable, Codable, CaseIterable {
  /// Uniformly among the tournament's Pareto front over the architectures' scores (the paper).
  case pareto
  /// The highest mean score (ties: the earliest drawn), for comparison.
  case mean
}

/// Tournament selection for regularized evolution.
public enum Tournament {
  /// The tournament size for a population: `fraction` of it rounded, at least `minimum`, at most the
  /// population.
  public static func size(population: Int, fraction: Double, minimum: Int) -> Int {
    Swift.min(population, Swift.max(minimum, Int((fraction * Double(population)).rounded())))
  }

  /// `count` distinct positions drawn uniformly from `0..<population` (a partial Fisher–Yates shuffle).
  public static func sample(population: Int, count: Int, rng: inout RandomGenerator) -> [Int] {
    var positions = Array(0..<population)
    let k = Swift.min(count, population)
    for i in 0..<k {
      positions.swapAt(i, i + rng.int(below: population - i))
    }
    return Array(positions[0..<k])
  }

  /// The winner among `scores` (one vector per tournament member): an index into `scores`.
  public static func winner(_ scores: [[Double]], rule: SelectionRule, rng: inout RandomGenerator) -> Int {
    switch rule {
    case .pareto:
      let front = Pareto.front(scores)
      return front[rng.int(below: front.count)]
    case .mean:
      let means = scores.map { $0.isEmpty ? -Double.infinity : $0.reduce(0, +) / Double($0.count) }
      var best = 0
      for i in means.indices where means[i] > means[best] { best = i }
      return best
    }
  }
}
