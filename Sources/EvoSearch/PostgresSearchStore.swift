import Foundation

/// A search store in a PostgreSQL database, shared by a driver and workers on any number of machines.
/// Each search is one PostgreSQL schema (`evo_search_NAME`) holding the SQLite store's tables, so a
/// database holds many searches, candidate ids start at 1 in each, and a search copies to and from an
/// SQLite file unchanged. Workers claim with `SELECT ... FOR UPDATE SKIP LOCKED` (claims never wait
/// for each other), and leases and times use the server's clock.
public final class PostgresSearchStore: SearchStore {
  public let location: String
  private let target: PostgresLocation
  private let connection: PostgresConnection
  /// Serialises the connection between the worker's thread and its heartbeat.
  private let lock = NSLock()
  /// Seconds a claim lasts without renewal (from the configuration).
  private var lease: Double = 60
  /// Whether `run` is repeating a call after re-establishing a dropped connection (under `lock`).
  private var retrying = false
  /// How long a lost connection is retried before the store's call fails.
  static let reconnectSeconds: Double = 120

  /// Opens an existing search, checking that it is one and that its schema is known.
  public convenience init(url: String) throws {
    try self.init(url: url, creating: nil)
  }

  /// Creates the search named in `url` for `metadata`, or opens it when it holds the same proxy source
  /// and configuration (resuming); a different search under that name is an error.
  public convenience init(url: String, creating metadata: SearchMetadata) throws {
    try self.init(url: url, creating: Optional(metadata))
  }

  private init(url: String, creating metadata: SearchMetadata?) throws {
    target = try PostgresLocation(url)
    location = target.description
    do {
      connection = try PostgresConnection(
        target.conninfo,
        setup: ["SET client_min_messages TO warning", "SET search_path TO \(Self.quoted(target.schema))"])
    } catch let error as PostgresError {
      throw SearchError.store("cannot connect to \(target.description): \(error.message)")
    }
    try write {
      // Concurrent openings (many workers starting at once) create and migrate the schema one at a time.
      try connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", [target.schema])
      try prepareSchema(creating: metadata != nil)
      try prepareMetadata(metadata)
    }
    lease = try self.metadata().configuration.leaseSeconds
  }

  /// Whether the search named in `url` exists (connecting to its database).
  public static func exists(url: String) throws -> Bool {
    let target = try PostgresLocation(url)
    do {
      let connection = try PostgresConnection(target.conninfo, setup: [])
      return try !connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = $1", [target.schema]).values.isEmpty
    } catch let error as PostgresError {
      throw SearchError.store("cannot connect to \(target.description): \(error.message)")
    }
  }

  private static func quoted(_ identifier: String) -> String {
    "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  /// Creates the schema of a new search and applies missing migrations; refuses a schema that is not an
  /// Evo search's or has a newer version.
  private func prepareSchema(creating: Bool) throws {
    let tables = try connection.execute(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [target.schema]
    ).values.compactMap { $0.first ?? nil }
    if tables.isEmpty {
      guard creating else {
        let others = try connection.execute(
          "SELECT substr(nspname, $1) FROM pg_namespace WHERE starts_with(nspname, $2) ORDER BY 1",
          [String(PostgresLocation.prefix.count + 1), PostgresLocation.prefix]
        ).values.compactMap { $0.first ?? nil }
        let known = others.isEmpty ? "none" : others.joined(separator: ", ")
        throw SearchError.store("\(location): no search named '\(target.search)' in this database (searches: \(known))")
      }
      try connection.execute("CREATE SCHEMA IF NOT EXISTS \(Self.quoted(target.schema))")
      try connection.execute("CREATE TABLE evo_migrations (identifier TEXT PRIMARY KEY, applied_at DOUBLE PRECISION)")
    } else {
      guard tables.contains("evo_migrations"), tables.contains("meta"),
        try format() == SearchMetadata.format
      else {
        throw SearchError.store(
          "\(location): schema \(target.schema) is not an Evo search's (tables: \(tables.joined(separator: ", ")))")
      }
    }
    let applied = try connection.execute("SELECT identifier FROM evo_migrations ORDER BY applied_at").values
      .compactMap { $0.first ?? nil }
    let known = PostgresSchema.migrations.map(\.0)
    if let newer = applied.first(where: { !known.contains($0) }) {
      throw SearchError.store(
        "\(location) has schema version \(newer), newer than this Evo knows (\(known.last ?? "none"))")
    }
    for (identifier, sql) in PostgresSchema.migrations where !applied.contains(identifier) {
      try connection.executeScript(sql)
      try connection.execute(
        "INSERT INTO evo_migrations (identifier, applied_at) VALUES ($1, \(PostgresSchema.now))", [identifier])
    }
  }

  private func format() throws -> String? {
    try connection.execute("SELECT value FROM meta WHERE key = 'format'").values.first?.first ?? nil
  }

  /// Writes the metadata of a new search, or checks that a resumed one is the same search.
  private func prepareMetadata(_ metadata: SearchMetadata?) throws {
    guard let metadata else { return }
    guard try format() != nil else {
      for (key, value) in try metadata.rows() {
        try connection.execute("INSERT INTO meta (key, value) VALUES ($1, $2)", [key, value])
      }
      try event("created", candidate: nil, worker: nil, detail: "proxy \(metadata.proxyHash)")
      return
    }
    try readMetadata().checkSameSearch(as: metadata, location: location)
  }

  private func readMetadata() throws -> SearchMetadata {
    var values: [String: String] = [:]
    for row in try connection.execute("SELECT key, value FROM meta").values {
      if let key = row[0], let value = row[1] { values[key] = value }
    }
    return try SearchMetadata(rows: values, location: location)
  }

  // MARK: statements

  /// Runs `body` holding the connection, with server errors as `SearchError.store` naming the search.
  /// When the server drops the connection (a restart, a failover, a broken link), it is re-established
  /// and `body` runs again: its transaction did not commit, or in the rare case that only the reply to
  /// COMMIT was lost, running it again is harmless (a claim taken twice leaves the first to expire and
  /// be re-queued; a completion or renewal finds the claim recorded; a birth finds its step stored and
  /// returns that candidate, see `insert`).
  private func run<T>(_ body: () throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    do {
      try connection.reconnectIfLost(within: Self.reconnectSeconds)
      do {
        return try body()
      } catch is PostgresError where connection.isLost {
        try connection.reconnectIfLost(within: Self.reconnectSeconds)
        retrying = true
        defer { retrying = false }
        return try body()
      }
    } catch let error as PostgresError {
      throw SearchError.store("\(location): \(error.message)")
    }
  }

  /// Runs `body` in one transaction.
  private func write<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
    try run { try connection.transaction(begin, body) }
  }

  private func rows(_ sql: String, _ parameters: [String?] = []) throws -> [PostgresRow] {
    try run { try connection.execute(sql, parameters).rows }
  }

  private func integers(_ sql: String, _ parameters: [String?] = []) throws -> [Int64] {
    try run {
      try connection.execute(sql, parameters).values.compactMap { $0.first.flatMap { $0.flatMap(Int64.init) } }
    }
  }

  private func event(
    _ kind: String, candidate: Int64?, worker: String?, detail: String?, time: Double? = nil
  ) throws {
    try connection.execute(
      """
      INSERT INTO event (time, kind, candidate_id, worker, detail)
      VALUES (COALESCE($1::double precision, \(PostgresSchema.now)), $2, $3, $4, $5)
      """, [time.map { "\($0)" }, kind, candidate.map { "\($0)" }, worker, detail])
  }

  /// Inserts a new candidate, or a copied one with its id and bookkeeping; returns its id.
  private func insert(_ c: Candidate, stored: StoredCandidate?) throws -> Int64 {
    let now =
      stored == nil ? try connection.execute("SELECT \(PostgresSchema.now) AS now").rows.first?.real("now") : nil
    let values: [String?] = try c.columnValues(stored, bornAt: now ?? 0).map {
      switch $0 {
      case .text(let v): return v
      case .integer(let v): return v.map { "\($0)" }
      case .real(let v): return v.map { "\($0)" }
      }
    }
    let columns = (stored == nil ? [] : ["id"]) + CandidateColumns.names
    let marks = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
    let rows = try connection.execute(
      "INSERT INTO candidate (\(columns.joined(separator: ", "))) VALUES (\(marks)) RETURNING id",
      (stored == nil ? [] : ["\(c.id)"]) + values)
    guard let id = try rows.rows.first?.integer("id") else { throw SearchError.store("\(location): no id inserted") }
    return id
  }

  // MARK: SearchStore

  public func metadata() throws -> SearchMetadata {
    try run { try readMetadata() }
  }

  public func insert(_ c: Candidate) throws -> Int64 {
    try write {
      // Repeated after a lost reply to COMMIT, the birth (and its event) may be stored already.
      if retrying,
        let stored = try connection.execute("SELECT id FROM candidate WHERE birth_step = $1", ["\(c.birthStep)"])
          .rows.first?.integer("id")
      {
        return stored
      }
      let id = try insert(c, stored: nil)
      let (kind, detail) = c.birthEvent
      try event(kind, candidate: id, worker: nil, detail: detail)
      return id
    }
  }

  public func claim(worker: String, now: Double) throws -> Claim? {
    try write { () -> Claim? in
      guard
        let row = try connection.execute(
          """
          SELECT * FROM candidate
          WHERE status IN ('pending', 'running') AND (status = 'pending' OR lease_expires < \(PostgresSchema.now))
          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
          """
        ).rows.first
      else { return nil }
      var candidate = try row.candidate()
      let requeued = candidate.status == .running
      let attempt = Int(try row.required("attempt", row.integer)) + 1
      try connection.execute(
        """
        UPDATE candidate SET status = 'running', worker = $1, attempt = $2,
          lease_expires = \(PostgresSchema.now) + $3 WHERE id = $4
        """, [worker, "\(attempt)", "\(lease)", "\(candidate.id)"])
      if requeued {
        try event("requeued", candidate: candidate.id, worker: candidate.worker, detail: "lease expired")
      }
      try event("claimed", candidate: candidate.id, worker: worker, detail: "attempt \(attempt)")
      candidate.status = .running
      candidate.worker = worker
      return Claim(candidate: candidate, worker: worker, attempt: attempt)
    }
  }

  /// The condition that a claim ($1 id, $2 attempt, $3 worker) still holds.
  private static let holds = "id = $1 AND status = 'running' AND attempt = $2 AND worker = $3"

  private func claimParameters(_ claim: Claim) -> [String?] {
    ["\(claim.candidate.id)", "\(claim.attempt)", claim.worker]
  }

  public func renew(_ claim: Claim, now: Double) throws -> Bool {
    try run {
      try connection.execute(
        "UPDATE candidate SET lease_expires = \(PostgresSchema.now) + $4 WHERE \(Self.holds)",
        claimParameters(claim) + ["\(lease)"]
      ).changed == 1
    }
  }

  public func complete(_ claim: Claim, result: EvaluationResult, now: Double) throws -> Bool {
    try write {
      let done = CompletedColumns(result.outcome)
      let changed = try connection.execute(
        """
        UPDATE candidate SET status = $4, reason = $5, detail = $6, scores = $7, timings = $8,
          finished_at = \(PostgresSchema.now), lease_expires = NULL WHERE \(Self.holds)
        """,
        claimParameters(claim) + [
          done.status.rawValue, done.reason?.rawValue, done.detail, try json(done.scores), try json(result.timings),
        ]
      ).changed
      guard changed == 1 else { return false }
      try event("evaluated", candidate: claim.candidate.id, worker: claim.worker, detail: done.eventDetail)
      return true
    }
  }

  public func candidate(_ id: Int64) throws -> Candidate? {
    try rows("SELECT * FROM candidate WHERE id = $1", ["\(id)"]).first?.candidate()
  }

  public func candidates(status: CandidateStatus?) throws -> [Candidate] {
    let found =
      try status.map { try rows("SELECT * FROM candidate WHERE status = $1 ORDER BY id", [$0.rawValue]) }
      ?? rows("SELECT * FROM candidate ORDER BY id")
    return try found.map { try $0.candidate() }
  }

  public func finished(fingerprint: String) throws -> Candidate? {
    try rows(
      "SELECT * FROM candidate WHERE fingerprint = $1 AND status IN ('done', 'rejected') ORDER BY id LIMIT 1",
      [fingerprint]
    ).first?.candidate()
  }

  public func unabsorbed() throws -> [Candidate] {
    try rows("SELECT * FROM candidate WHERE absorbed = 0 AND status IN ('done', 'rejected') ORDER BY id").map {
      try $0.candidate()
    }
  }

  public func absorb(_ id: Int64, population: [Int64], now: Double) throws {
    try write {
      try connection.execute("UPDATE candidate SET absorbed = 1 WHERE id = $1", ["\(id)"])
      try setPopulation(population)
    }
  }

  private func setPopulation(_ population: [Int64]) throws {
    try connection.execute("DELETE FROM population")
    try connection.execute(
      """
      INSERT INTO population (position, candidate_id)
      SELECT position - 1, member FROM unnest($1::bigint[]) WITH ORDINALITY AS t(member, position)
      """, ["{" + population.map { "\($0)" }.joined(separator: ",") + "}"])
  }

  public func population() throws -> [Int64] {
    try integers("SELECT candidate_id FROM population ORDER BY position")
  }

  public func nextBirthStep() throws -> Int {
    Int(try integers("SELECT COALESCE(MAX(birth_step) + 1, 0) FROM candidate").first ?? 0)
  }

  public func inFlight() throws -> Int {
    Int(try integers("SELECT COUNT(*) FROM candidate WHERE status IN ('pending', 'running')").first ?? 0)
  }

  public func events(limit: Int?) throws -> [SearchEvent] {
    try rows(
      "SELECT * FROM (SELECT * FROM event ORDER BY id DESC LIMIT $1) AS e ORDER BY id", [limit.map { "\($0)" }]
    ).map { try $0.event() }
  }

  public func log(_ kind: String, worker: String?, detail: String?, now: Double) throws {
    try write { try event(kind, candidate: nil, worker: worker, detail: detail) }
  }

  // MARK: copying

  public func snapshot() throws -> SearchSnapshot {
    try write("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
      SearchSnapshot(
        metadata: try readMetadata(),
        candidates: try connection.execute("SELECT * FROM candidate ORDER BY id").rows.map { try $0.stored() },
        population: try connection.execute("SELECT candidate_id FROM population ORDER BY position").values
          .compactMap { $0.first.flatMap { $0.flatMap(Int64.init) } },
        events: try connection.execute("SELECT * FROM event ORDER BY id").rows.map { try $0.event() })
    }
  }

  public func restore(_ snapshot: SearchSnapshot) throws {
    try write {
      let count = try connection.execute("SELECT COUNT(*) FROM candidate").values.first?.first ?? nil
      guard count == "0" else { throw SearchError.store("\(location) already holds \(count ?? "?") candidates") }
      for stored in snapshot.candidates { _ = try insert(stored.candidate, stored: stored) }
      try setPopulation(snapshot.population)
      try connection.execute("DELETE FROM event")
      for e in snapshot.events {
        try event(e.kind, candidate: e.candidate, worker: e.worker, detail: e.detail, time: e.time)
      }
      // Identity columns continue after the copied ids.
      for table in ["candidate", "event"] {
        try connection.execute(
          "SELECT setval(pg_get_serial_sequence($1, 'id'), GREATEST(MAX(id), 1), MAX(id) IS NOT NULL) FROM \(table)",
          [table])
      }
    }
  }
}
