import EvoGraph

/// Everything that defines a search, stored with it so that every worker and every resumption uses the
/// same settings. Defaults follow `docs/search-space.md`.
public struct SearchConfiguration: Codable, Equatable, Sendable {
  /// Population size of regularized evolution.
  public var population: Int = 64
  /// Tournament size as a fraction of the population...
  public var tournamentFraction: Double = 0.05
  /// ...but at least this many.
  public var tournamentMinimum: Int = 2
  /// How the tournament's winner is chosen.
  public var selection: SelectionRule = .pareto
  /// "B" (all primitives) or "S" (no batch aggregations).
  public var space: String = "B"
  /// The most intermediate nodes a graph may have.
  public var maxNodes: Int = 14
  /// Seeds every random choice of the search: one worker and one seed reproduce a search.
  public var seed: UInt64 = 1
  /// Named layers (see `NamedLayers`) that open the initial population before the random graphs.
  public var initialLayers: [String] = []
  /// The quality rejection's threshold on every architecture's score after the short training
  /// (0 skips the quality stage).
  public var qualityThreshold: Double = 0.2
  /// The stability rejection (nil skips it).
  public var stability: StabilityCheck? = StabilityCheck()
  /// Seconds a worker's claim on a candidate lasts without renewal; a dead worker's candidate is
  /// re-queued after it.
  public var leaseSeconds: Double = 60

  public init() {}

  /// The search space the settings describe; throws for an unknown space or a bad node limit.
  public func searchSpace() throws -> SearchSpace {
    var space: SearchSpace
    switch self.space.uppercased() {
    case "B": space = .batchDependent
    case "S": space = .batchIndependent
    default: throw SearchError.configuration("space must be \"B\" or \"S\", not \"\(self.space)\"")
    }
    guard maxNodes >= 1 else { throw SearchError.configuration("maxNodes must be at least 1, got \(maxNodes)") }
    space.maxNodes = maxNodes
    return space
  }

  /// Throws for settings no search can run with.
  public func validate() throws {
    _ = try searchSpace()
    guard population >= 2 else { throw SearchError.configuration("population must be at least 2, got \(population)") }
    guard tournamentFraction > 0 && tournamentFraction <= 1 else {
      throw SearchError.configuration("tournament fraction must be in (0, 1], got \(tournamentFraction)")
    }
    guard tournamentMinimum >= 1 else { throw SearchError.configuration("tournament minimum must be at least 1") }
    guard leaseSeconds > 0 else { throw SearchError.configuration("lease must be positive, got \(leaseSeconds)") }
    for name in initialLayers where NamedLayers.graph(name) == nil {
      throw SearchError.configuration(
        "unknown initial layer '\(name)' (known: \(NamedLayers.names.joined(separator: ", ")))")
    }
  }
}

/// A search that cannot go on, with a message for the user.
public enum SearchError: Error, CustomStringConvertible, Equatable {
  case configuration(String)
  case store(String)
  case evaluation(String)
  /// The candidate layer's values became non-finite while the proxy trained with it: a property of the
  /// layer (the search rejects it as unstable), not a failure of the proxy task.
  case diverged(String)

  public var description: String {
    switch self {
    case .configuration(let m): return "search configuration: \(m)"
    case .store(let m): return "search store: \(m)"
    case .evaluation(let m): return "evaluation: \(m)"
    case .diverged(let m): return "diverged in training: \(m)"
    }
  }
}
