import EvoGraph
import EvoSearch
import Foundation
import XCTest

/// SQLite-specific store behaviour; what every store does is in StoreContractTests.
final class StoreTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws { folder = try temporaryFolder() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  func pending(_ step: Int, _ formula: String = "max(x, 0)") throws -> Candidate {
    let graph = try LayerGraph(formula: formula)
    return Candidate(graph: graph, fingerprint: graph.fingerprint, parent: nil, birthStep: step)
  }

  func testSchemaAndWAL() throws {
    let store = try makeStore(cheapConfiguration(), in: folder)
    let path = store.path
    XCTAssertEqual(try sqlite(path, "PRAGMA journal_mode;"), "wal\n")
    XCTAssertEqual(try sqlite(path, "SELECT identifier FROM grdb_migrations;"), "v1\n")
    let tables = try sqlite(path, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name;")
    XCTAssertEqual(tables, "candidate\nevent\ngrdb_migrations\nmeta\npopulation\n")
  }

  func testLeasesUseTheCallersClock() throws {
    let store = try makeStore(cheapConfiguration(), in: folder)  // lease 60 s
    let id = try store.insert(try pending(0))
    let first = try XCTUnwrap(try store.claim(worker: "dead", now: 1000))
    XCTAssertNil(try store.claim(worker: "other", now: 1059))
    let second = try XCTUnwrap(try store.claim(worker: "other", now: 1061))
    XCTAssertEqual(second.candidate.id, id)
    XCTAssertEqual(second.attempt, first.attempt + 1)
    XCTAssertFalse(try store.renew(first, now: 1062))
    XCTAssertFalse(try store.complete(first, result: EvaluationResult(outcome: .scores([0, 0])), now: 1062))
    XCTAssertTrue(try store.renew(second, now: 1062))
    XCTAssertTrue(try store.complete(second, result: EvaluationResult(outcome: .scores([1, 1])), now: 1063))
    XCTAssertEqual(try store.candidate(id)?.scores, [1, 1])
    XCTAssertEqual(try store.events(limit: nil).filter { $0.kind == "requeued" }.count, 1)
  }

  func testForeignCorruptAndMissingFilesGiveClearErrors() throws {
    let text = folder.appendingPathComponent("notes.db")
    try Data(repeating: 0x41, count: 4096).write(to: text)
    XCTAssertThrowsError(try SQLiteSearchStore(path: text.path)) {
      XCTAssertTrue("\($0)".contains("is not an SQLite database"), "\($0)")
    }
    let foreign = folder.appendingPathComponent("foreign.db").path
    _ = try sqlite(foreign, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);")
    XCTAssertThrowsError(try SQLiteSearchStore(path: foreign)) {
      XCTAssertTrue("\($0)".contains("not an Evo search store (tables: customers)"), "\($0)")
    }
    XCTAssertThrowsError(try makeStore(cheapConfiguration(), in: folder, name: "foreign.db"))
    let store = try makeStore(cheapConfiguration(), in: folder, name: "newer.db")
    _ = try sqlite(store.path, "INSERT INTO grdb_migrations VALUES ('v99');")
    XCTAssertThrowsError(try SQLiteSearchStore(path: store.path)) {
      XCTAssertTrue("\($0)".contains("schema version v99, newer"), "\($0)")
    }
    // A store whose pages were overwritten in the middle.
    let damaged = try makeStore(cheapConfiguration(), in: folder, name: "damaged.db")
    for step in 0..<200 { _ = try damaged.insert(try pending(step, step % 2 == 0 ? "x" : "max(x, 0)")) }
    let path = damaged.path
    _ = try sqlite(path, "PRAGMA wal_checkpoint(TRUNCATE);")
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    try handle.seek(toOffset: 4096)
    handle.write(Data(repeating: 0xFF, count: 8192))
    try handle.close()
    XCTAssertThrowsError(try SQLiteSearchStore(path: path).candidates(status: nil)) {
      XCTAssertTrue("\($0)".contains("corrupt") || "\($0)".contains("malformed"), "\($0)")
    }
    XCTAssertThrowsError(try SQLiteSearchStore(path: folder.appendingPathComponent("none.db").path)) {
      XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
    }
  }
}
