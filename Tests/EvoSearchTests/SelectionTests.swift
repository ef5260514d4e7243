import EvoSearch
import EvoTensor
import XCTest

final class SelectionTests: XCTestCase {
  /// Brute force for two objectives without ties: sort by the first score descending and keep the points
  /// whose second score beats every point before them.
  func sweepFront(_ scores: [[Double]]) -> Set<Int> {
    var best = -Double.infinity
    var front: Set<Int> = []
    for i in scores.indices.sorted(by: { scores[$0][0] > scores[$1][0] }) where scores[i][1] > best {
      front.insert(i)
      best = scores[i][1]
    }
    return front
  }

  func testParetoFrontMatchesSweepOnRandomScores() {
    var rng = RandomGenerator(seed: 11)
    for _ in 0..<200 {
      let n = 1 + rng.int(below: 30)
      let scores = (0..<n).map { _ in [Double(rng.uniform()), Double(rng.uniform())] }
      XCTAssertEqual(Set(Pareto.front(scores)), sweepFront(scores))
    }
  }

  func testParetoFrontWithTiesInThreeObjectives() {
    var rng = RandomGenerator(seed: 12)
    for _ in 0..<200 {
      let n = 1 + rng.int(below: 20)
      let scores = (0..<n).map { _ in (0..<3).map { _ in Double(rng.int(below: 3)) } }
      // A point is off the front exactly when some other point is >= everywhere and differs somewhere.
      let expected = Set(
        scores.indices.filter { i in
          !scores.indices.contains { j in zip(scores[j], scores[i]).allSatisfy { $0 >= $1 } && scores[j] != scores[i] }
        })
      XCTAssertEqual(Set(Pareto.front(scores)), expected)
      XCTAssertFalse(expected.isEmpty)
    }
    XCTAssertEqual(Pareto.front([[1, 1], [1, 1]]), [0, 1], "equal points do not dominate each other")
  }

  func testTournamentWinnerIsUniformOverTheFront() {
    let scores: [[Double]] = [[0.9, 0.1], [0.5, 0.5], [0.1, 0.9], [0.4, 0.4], [0.05, 0.05]]
    var rng = RandomGenerator(seed: 3)
    var counts = [Int](repeating: 0, count: scores.count)
    let draws = 3000
    for _ in 0..<draws { counts[Tournament.winner(scores, rule: .pareto, rng: &rng)] += 1 }
    XCTAssertEqual(counts[3], 0)
    XCTAssertEqual(counts[4], 0)
    for i in 0..<3 { XCTAssertEqual(Double(counts[i]), Double(draws) / 3, accuracy: 0.1 * Double(draws)) }
    XCTAssertEqual(Tournament.winner(scores, rule: .mean, rng: &rng), 0, "two means of 0.5: the earliest wins")
    XCTAssertEqual(Tournament.winner([[0.2, 0.2], [0.3, 0.9]], rule: .mean, rng: &rng), 1)
  }

  func testTournamentSizeAndSample() {
    XCTAssertEqual(Tournament.size(population: 64, fraction: 0.05, minimum: 2), 3)
    XCTAssertEqual(Tournament.size(population: 20, fraction: 0.05, minimum: 2), 2)
    XCTAssertEqual(Tournament.size(population: 1, fraction: 0.05, minimum: 2), 1)
    var rng = RandomGenerator(seed: 5)
    var counts = [Int](repeating: 0, count: 10)
    for _ in 0..<2000 {
      let sample = Tournament.sample(population: 10, count: 3, rng: &rng)
      XCTAssertEqual(Set(sample).count, 3)
      for p in sample { counts[p] += 1 }
    }
    for c in counts { XCTAssertEqual(Double(c), 600, accuracy: 90) }
  }
}
