import EvoGraph
import EvoTensor
import Foundation

/// Regularized (aging) evolution over a store: the driver of a search. Each birth draws a tournament
/// from the population, takes a winner (uniformly from the tournament's Pareto front, or by mean score),
/// mutates it and queues the child; each scored child joins the population and the oldest member
/// retires. Until the population is full, births are the named initial layers, then random graphs;
/// once it holds a tournament's minimum, half of those births (a coin flip) are mutants instead: only
/// scored candidates join, and few random graphs pass the rejections (0.6% in a one-hour search on
/// the default proxy, 11 of 1,739), so a population filled from random graphs alone took longer than
/// the hour and no mutant was ever bred.
///
/// All state lives in the store, and the random choices of birth step s come from a generator seeded
/// by (seed, s), so a driver killed at any moment resumes where the store says, and one worker with a
/// given seed reproduces a search exactly.
public final class Evolution {
  public let store: SearchStore
  public let configuration: SearchConfiguration
  public let space: SearchSpace
  /// Population members read so far, by id: a member is finished and never changes, so a tournament
  /// reads from the store only the members it has not seen (a round trip each to a remote database).
  private var members: [Int64: Candidate] = [:]

  public init(store: SearchStore) throws {
    self.store = store
    configuration = try store.metadata().configuration
    try configuration.validate()
    space = try configuration.searchSpace()
  }

  /// The generator for the random choices of birth step `step`.
  func random(step: Int, stream: UInt64) -> RandomGenerator {
    RandomGenerator(seed: StableHash.combine(StableHash.combine(configuration.seed, stream), UInt64(step)))
  }

  /// The seed a candidate's evaluation is run with.
  public func evaluationSeed(_ candidate: Candidate) -> UInt64 {
    StableHash.combine(StableHash.combine(configuration.seed, 0xE7A1), UInt64(candidate.birthStep))
  }

  /// Takes finished candidates into the population in id order: a scored one joins it, and the oldest
  /// member retires once the population is full. Returns the candidates taken.
  @discardableResult
  public func absorbFinished() throws -> [Candidate] {
    let finished = try store.unabsorbed()
    guard !finished.isEmpty else { return [] }
    var population = try store.population()
    for candidate in finished {
      if candidate.status == .done {
        population.append(candidate.id)
        if population.count > configuration.population { population.removeFirst() }
      }
      try store.absorb(candidate.id, population: population, now: Date().timeIntervalSince1970)
    }
    return finished
  }

  /// Adds the candidate of the next birth step to the store (queued, or already finished when rejected at
  /// birth or found in the equivalence cache) and returns it; nil when there is nothing to breed from
  /// yet (an empty population while its first members are still being evaluated).
  @discardableResult
  public func birth() throws -> Candidate? {
    let step = try store.nextBirthStep()
    var rng = random(step: step, stream: 0xB127)
    let population = try store.population()
    let start = Date()
    let graph: LayerGraph
    var parent: Int64?
    let filling = population.count + (try store.inFlight()) < configuration.population
    let mutantsWhileFilling = population.count >= Swift.max(configuration.tournamentMinimum, 2)
    if step < configuration.initialLayers.count, filling,
      let named = NamedLayers.graph(configuration.initialLayers[step])
    {
      graph = named
    } else if filling && (!mutantsWhileFilling || rng.int(below: 2) == 0) {
      graph = try InitialGraphs.sample(space: space, rng: &rng).graph
    } else if !population.isEmpty {
      let (winner, winnerGraph) = try tournament(population, rng: &rng)
      parent = winner
      do {
        graph = try winnerGraph.mutated(space: space, rng: &rng)
      } catch {
        throw SearchError.evaluation("cannot mutate candidate \(winner): \(error)")
      }
    } else {
      return nil
    }
    var candidate = Candidate(graph: graph, fingerprint: graph.fingerprint, parent: parent, birthStep: step)
    if let (reason, detail) = BirthCheck.rejection(graph) {
      candidate.status = .rejected
      candidate.reason = reason
      candidate.detail = detail
      candidate.timings = ["birth": Date().timeIntervalSince(start)]
    } else if let fingerprint = candidate.fingerprint, let earlier = try store.finished(fingerprint: fingerprint) {
      candidate.status = earlier.status
      candidate.reason = earlier.reason
      candidate.detail = earlier.detail
      candidate.scores = earlier.scores
      candidate.cachedFrom = earlier.cachedFrom ?? earlier.id
      candidate.timings = ["cache": Date().timeIntervalSince(start)]
    }
    candidate.id = try store.insert(candidate)
    return candidate
  }

  /// Draws a tournament from the population and returns its winner's id and graph.
  func tournament(_ population: [Int64], rng: inout RandomGenerator) throws -> (Int64, LayerGraph) {
    let size = Tournament.size(
      population: population.count, fraction: configuration.tournamentFraction, minimum: configuration.tournamentMinimum
    )
    let positions = Tournament.sample(population: population.count, count: size, rng: &rng)
    if members.count > 2 * population.count {
      let alive = Set(population)
      members = members.filter { alive.contains($0.key) }
    }
    var drawn: [Candidate] = []
    for position in positions {
      let id = population[position]
      if let member = members[id] {
        drawn.append(member)
      } else {
        guard let member = try store.candidate(id) else {
          throw SearchError.store("population member \(id) is missing")
        }
        members[id] = member
        drawn.append(member)
      }
    }
    let winner = drawn[Tournament.winner(drawn.map { $0.scores ?? [] }, rule: configuration.selection, rng: &rng)]
    return (winner.id, winner.graph)
  }
}
