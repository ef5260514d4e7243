import EvoTensor
import XCTest

/// How many threads the tensor core splits loops over.
final class ParallelTests: XCTestCase {
  func testEvoThreadsSetsTheThreadCountWithinBounds() {
    XCTAssertEqual(Parallel.threadCount(environment: ["EVO_THREADS": "1"], cores: 16), 1)
    XCTAssertEqual(Parallel.threadCount(environment: ["EVO_THREADS": "12"], cores: 2), 12)
    XCTAssertEqual(Parallel.threadCount(environment: [:], cores: 2), 2)
    XCTAssertEqual(Parallel.threadCount(environment: [:], cores: 32), 8, "at most 8 without EVO_THREADS")
    for bad in ["0", "-3", "65", "two", ""] {
      XCTAssertEqual(Parallel.threadCount(environment: ["EVO_THREADS": bad], cores: 4), 4, bad)
    }
  }
}
