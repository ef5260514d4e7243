import EvoGraph
import EvoTestSupport
import Foundation
import Testing

@testable import EvoSearch

/// What every search store must do, run against each kind (the PostgreSQL suite needs a server at
/// EVO_TEST_POSTGRES_URL; `.ci/run` starts one).
protocol StoreContract {
  var kind: TestStore { get }
}

@Suite struct SQLiteStoreContractTests: StoreContract {
  let kind = TestStore.sqlite
  @Test func metadataResumesTheSameSearchAndRefusesAnother() throws { try checkMetadata() }
  @Test func candidateLifecycle() throws { try checkLifecycle() }
  @Test func expiredLeaseIsReclaimedAndTheLateResultDropped() throws { try checkLease() }
  @Test func concurrentClaimsNeverShareACandidate() throws { try checkConcurrentClaims() }
  @Test func newerSchemaIsRefused() throws { try checkNewerSchema() }
  @Test func copyRoundTripKeepsEverything() throws { try checkCopyRoundTrip() }
}

@Suite(.enabled(if: TestStore.hasPostgres, "needs a PostgreSQL server: EVO_TEST_POSTGRES_URL unset or unreachable"))
struct PostgresStoreContractTests: StoreContract {
  let kind = TestStore.postgres
  @Test func metadataResumesTheSameSearchAndRefusesAnother() throws { try checkMetadata() }
  @Test func candidateLifecycle() throws { try checkLifecycle() }
  @Test func expiredLeaseIsReclaimedAndTheLateResultDropped() throws { try checkLease() }
  @Test func concurrentClaimsNeverShareACandidate() throws { try checkConcurrentClaims() }
  @Test func newerSchemaIsRefused() throws { try checkNewerSchema() }
  @Test func copyRoundTripKeepsEverything() throws { try checkCopyRoundTrip() }

  @Test func migrationsAreRecordedAndForeignSchemasRefused() throws {
    let location = kind.location(in: "")
    _ = try SearchStores.open(location, creating: metadata())
    #expect(try sql(location, "SELECT identifier FROM evo_migrations") == ["v1"])
    #expect(
      try sql(
        location,
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1") == [
          "candidate", "event", "evo_migrations", "meta", "population",
        ])
    let foreign = kind.location(in: "", name: "foreign")
    let schema = try PostgresLocation(foreign).schema
    _ = try sql(foreign, "CREATE SCHEMA \(schema); CREATE TABLE \(schema).customers (id INT)")
    #expect(throws: SearchError.self) { try SearchStores.open(foreign) }
    expectError("is not an Evo search's (tables: customers)") { try SearchStores.open(foreign, creating: metadata()) }
    let missing = kind.location(in: "", name: "missing")
    expectError("no search named 't_missing_") { try SearchStores.open(missing) }
    #expect(try !SearchStores.exists(missing) && SearchStores.exists(location))
  }

  @Test func aConnectionTheServerDropsIsReestablished() throws {
    let location = kind.location(in: "")
    let store = try SearchStores.open(location, creating: metadata())
    let id = try store.insert(try pending(0))
    let search = try PostgresLocation(location).search
    // The server ends the store's session (as a restart or a failover would) between two calls.
    let ended = try sql(
      location,
      """
      SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity
      WHERE application_name = 'evo search \(search)' AND pid <> pg_backend_pid()
      """)
    #expect(ended == ["1"])
    let claim = try #require(try store.claim(worker: "w1", now: now))
    #expect(claim.candidate.id == id && claim.attempt == 1)
    #expect(try store.candidate(id)?.status == .running)
  }

  @Test func badURLsAndUnreachableServersAreClearErrors() throws {
    for (url, message) in [
      ("postgres://localhost/db?search=Bad-Name", "use 1-40 lowercase letters"),
      ("postgres:///db", "is not a PostgreSQL URL"),
      ("mysql://localhost/db", "unknown store scheme 'mysql'"),
      ("postgres://nobody@127.0.0.1:1/db?search=x", "cannot connect to postgres://nobody@127.0.0.1:1/db?search=x"),
    ] {
      expectError(message) { try SearchStores.open(url) }
    }
  }
}

extension StoreContract {
  func metadata(_ configuration: SearchConfiguration = cheapConfiguration(), proxy: String = "# test proxy")
    -> SearchMetadata
  {
    SearchMetadata(configuration: configuration, architectures: ["a", "b"], proxySource: proxy)
  }

  func withFolder(_ body: (String) throws -> Void) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try body(folder.path)
  }

  func pending(_ step: Int, _ formula: String = "max(x, 0)") throws -> Candidate {
    let graph = try LayerGraph(formula: formula)
    return Candidate(graph: graph, fingerprint: graph.fingerprint, parent: nil, birthStep: step)
  }

  var now: Double { Date().timeIntervalSince1970 }

  /// Runs SQL on the store's database (in the search's schema for PostgreSQL); returns the first column.
  func sql(_ location: String, _ statement: String) throws -> [String] {
    switch kind {
    case .sqlite:
      return try sqlite(location, statement).split(separator: "\n").map(String.init)
    case .postgres:
      let target = try PostgresLocation(location)
      let connection = try PostgresConnection(
        target.conninfo, setup: ["SET client_min_messages TO warning", "SET search_path TO \(target.schema)"])
      if statement.contains(";") {
        try connection.executeScript(statement)
        return []
      }
      return try connection.execute(statement).values.map { $0.first.flatMap { $0 } ?? "NULL" }
    }
  }

  func checkMetadata() throws {
    try withFolder { folder in
      let location = kind.location(in: folder)
      let store = try SearchStores.open(location, creating: metadata())
      #expect(try store.metadata() == metadata())
      #expect(try store.metadata().proxyHash.count == 16)
      #expect(try SearchStores.open(location).metadata() == metadata())
      #expect(try SearchStores.open(location, creating: metadata()).metadata() == metadata(), "resuming")
      expectError("another proxy task") { try SearchStores.open(location, creating: metadata(proxy: "other")) }
      expectError("another configuration") {
        try SearchStores.open(location, creating: metadata(cheapConfiguration(seed: 99)))
      }
      // A proxy source edited behind the store's back no longer matches its hash.
      _ = try sql(location, "UPDATE meta SET value = 'edited' WHERE key = 'proxy_source'")
      expectError("does not match its hash") { try SearchStores.open(location) }
    }
  }

  func checkLifecycle() throws {
    try withFolder { folder in
      let store = try SearchStores.open(kind.location(in: folder), creating: metadata())
      var c = try pending(0, "x / sqrt(var_bhw(x))")
      c.id = try store.insert(c)
      #expect(c.id == 1)
      #expect(try store.candidate(c.id) == c)
      #expect(try store.inFlight() == 1)
      #expect(try store.nextBirthStep() == 1)
      let claim = try #require(try store.claim(worker: "w1", now: now))
      #expect(claim.candidate.id == c.id && claim.attempt == 1)
      #expect(try store.claim(worker: "w2", now: now) == nil, "a running candidate with a live lease is not claimed")
      #expect(try store.renew(claim, now: now))
      let result = EvaluationResult(outcome: .scores([0.5, 0.25]), timings: ["full": 1.5])
      #expect(try store.complete(claim, result: result, now: now))
      let done = try #require(try store.candidate(c.id))
      #expect(done.status == .done && done.scores == [0.5, 0.25] && done.timings == ["full": 1.5])
      #expect(done.worker == "w1")
      #expect(try store.finished(fingerprint: try #require(c.fingerprint))?.id == c.id)
      #expect(try store.unabsorbed().map(\.id) == [c.id])
      var rejected = try pending(1, "x")
      rejected.status = .rejected
      rejected.reason = .degenerate
      rejected.detail = "constant"
      rejected.id = try store.insert(rejected)
      #expect(try store.candidate(rejected.id) == rejected)
      #expect(try store.candidates(status: .rejected).map(\.id) == [rejected.id])
      try store.absorb(c.id, population: [c.id], now: now)
      try store.absorb(rejected.id, population: [c.id], now: now)
      #expect(try store.unabsorbed().isEmpty)
      #expect(try store.population() == [c.id])
      try store.log("note", worker: "w1", detail: "hello", now: now)
      #expect(
        try store.events(limit: nil).map(\.kind) == ["created", "born", "claimed", "evaluated", "rejected", "note"])
      #expect(try store.events(limit: 2).map(\.kind) == ["rejected", "note"])
      #expect(throws: SearchError.self, "birth steps are unique") { try store.insert(try pending(0)) }
      #expect(try store.inFlight() == 0)
    }
  }

  func checkLease() throws {
    try withFolder { folder in
      var configuration = cheapConfiguration()
      configuration.leaseSeconds = 1.5  // long enough for two calls on a loaded machine
      let store = try SearchStores.open(kind.location(in: folder), creating: metadata(configuration))
      let id = try store.insert(try pending(0))
      let first = try #require(try store.claim(worker: "dead", now: now))
      #expect(try store.claim(worker: "other", now: now) == nil)
      Thread.sleep(forTimeInterval: 2)
      let second = try #require(try store.claim(worker: "other", now: now))
      #expect(second.candidate.id == id && second.attempt == first.attempt + 1)
      #expect(try !store.renew(first, now: now))
      #expect(try !store.complete(first, result: EvaluationResult(outcome: .scores([0, 0])), now: now))
      #expect(try store.renew(second, now: now))
      #expect(try store.complete(second, result: EvaluationResult(outcome: .scores([1, 1])), now: now))
      #expect(try store.candidate(id)?.scores == [1, 1])
      #expect(try store.events(limit: nil).filter { $0.kind == "requeued" }.count == 1)
    }
  }

  func checkConcurrentClaims() throws {
    try withFolder { folder in
      let location = kind.location(in: folder)
      let first = try SearchStores.open(location, creating: metadata())
      for step in 0..<45 { _ = try first.insert(try pending(step)) }
      let box = ClaimBox([first, try SearchStores.open(location), try SearchStores.open(location)])
      DispatchQueue.concurrentPerform(iterations: 3) { i in
        while let claim = try? box.stores[i].claim(worker: "w\(i)", now: Date().timeIntervalSince1970) {
          box.claimed[i].append(claim.candidate.id)
        }
      }
      let all = box.claimed.flatMap { $0 }
      #expect(all.count == 45)
      #expect(Set(all).count == 45)
    }
  }

  func checkNewerSchema() throws {
    try withFolder { folder in
      let location = kind.location(in: folder)
      _ = try SearchStores.open(location, creating: metadata())
      let table = kind == .sqlite ? "grdb_migrations" : "evo_migrations"
      _ = try sql(location, "INSERT INTO \(table) (identifier) VALUES ('v99')")
      expectError("schema version v99, newer than this Evo knows (v1)") { try SearchStores.open(location) }
    }
  }

  func checkCopyRoundTrip() throws {
    try withFolder { folder in
      let source = kind.location(in: folder, name: "source")
      let store = try SearchStores.open(source, creating: metadata())
      try Evolution(store: store).run(
        samples: 12, parallelism: 1, worker: try SearchWorker(store: store, evaluator: HashEvaluator(), name: "w"))
      // One candidate left running, so leases and attempts are copied too.
      _ = try store.insert(try pending(12, "x * sigmoid(x)"))
      _ = try #require(try store.claim(worker: "w2", now: now))
      let expected = try store.snapshot()
      #expect(expected.candidates.count == 13 && !expected.population.isEmpty && expected.events.count > 30)
      let file = folder + "/exported.db"
      #expect(try SearchStores.copy(from: source, to: file) == 13)
      let back = kind.location(in: folder, name: "back")
      try SearchStores.copy(from: file, to: back)
      #expect(try SearchStores.open(file).snapshot() == expected)
      let copied = try SearchStores.open(back)
      #expect(try copied.snapshot() == expected)
      expectError("exists already") { try SearchStores.copy(from: source, to: file) }
      #expect(throws: SearchError.self, "a search with candidates is not overwritten") { try copied.restore(expected) }
      // The copy goes on where the source was: the next candidate gets the next id.
      #expect(try copied.insert(try pending(13)) == 14)
    }
  }
}

/// Stores shared by claiming threads, and what each claimed (each thread writes only its own slot).
final class ClaimBox: @unchecked Sendable {
  let stores: [SearchStore]
  var claimed: [[Int64]]

  init(_ stores: [SearchStore]) {
    self.stores = stores
    claimed = stores.map { _ in [] }
  }
}

/// Expects `body` to throw an error whose text contains `fragment`.
func expectError<T>(_ fragment: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) {
  do {
    _ = try body()
    Issue.record("no error; expected one containing \"\(fragment)\"", sourceLocation: sourceLocation)
  } catch {
    #expect("\(error)".contains(fragment), "\(error)", sourceLocation: sourceLocation)
  }
}
