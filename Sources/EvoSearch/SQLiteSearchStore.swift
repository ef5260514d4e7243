import EvoGraph
import Foundation
internal import GRDB

/// A search store in one SQLite file (WAL mode, so readers never block the writer), shared by the
/// driver and any number of worker processes on one machine.
public final class SQLiteSearchStore: SearchStore {
  public let path: String
  public var location: String { path }
  private let pool: DatabasePool
  /// Seconds a claim lasts without renewal (from the configuration).
  private var lease: Double = 60

  /// Opens an existing store, checking that it is one and that its schema is known.
  public convenience init(path: String) throws {
    try self.init(path: path, creating: nil)
  }

  /// Creates a store at `path` for a new search, or opens the existing one there when its proxy source
  /// and configuration are the same (resuming); a different search at `path` is an error.
  public convenience init(path: String, creating metadata: SearchMetadata) throws {
    try self.init(path: path, creating: Optional(metadata))
  }

  private init(path: String, creating metadata: SearchMetadata?) throws {
    self.path = path
    let exists = FileManager.default.fileExists(atPath: path)
    if metadata == nil && !exists { throw SearchError.store("\(path) does not exist") }
    var config = Configuration()
    config.busyMode = .timeout(30)
    do {
      pool = try DatabasePool(path: path, configuration: config)
    } catch {
      throw Self.openError(path, error)
    }
    do {
      try pool.read { db in try Self.checkKind(db, path: path, creating: metadata != nil) }
      try SQLiteSchema.migrator.migrate(pool)
      try pool.writeWithoutTransaction { db in
        try db.inTransaction(.immediate) {
          try Self.prepareMetadata(db, path: path, creating: metadata)
          return .commit
        }
      }
    } catch let error as SearchError {
      throw error
    } catch {
      throw Self.openError(path, error)
    }
    lease = try self.metadata().configuration.leaseSeconds
  }

  /// Refuses a database that is not an Evo search store, or one with a newer schema.
  private static func checkKind(_ db: Database, path: String, creating: Bool) throws {
    let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
    if tables.isEmpty {
      guard creating else { throw SearchError.store("\(path) is an empty database, not an Evo search store") }
      return
    }
    guard tables.contains("grdb_migrations"), tables.contains("meta"),
      try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'") == SearchMetadata.format
    else {
      let names = tables.sorted().joined(separator: ", ")
      throw SearchError.store("\(path) is an SQLite database but not an Evo search store (tables: \(names))")
    }
    let migrator = SQLiteSchema.migrator
    let known = Set(migrator.migrations)
    if let newer = try migrator.appliedIdentifiers(db).first(where: { !known.contains($0) }) {
      let current = migrator.migrations.last ?? "none"
      throw SearchError.store("\(path) has schema version \(newer), newer than this Evo knows (\(current))")
    }
  }

  /// Writes the metadata of a new store, or checks that a resumed one holds the same search.
  private static func prepareMetadata(_ db: Database, path: String, creating metadata: SearchMetadata?) throws {
    let format = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'")
    guard let metadata else { return }
    if format == nil {
      for (key, value) in try metadata.rows() {
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
      }
      try event(db, "created", candidate: nil, worker: nil, detail: "proxy \(metadata.proxyHash)")
      return
    }
    try read(db, path: path).checkSameSearch(as: metadata, location: path)
  }

  private static func openError(_ path: String, _ error: Error) -> SearchError {
    if let db = error as? DatabaseError {
      switch db.resultCode {
      case .SQLITE_NOTADB: return .store("\(path) is not an SQLite database (is it a search store?)")
      case .SQLITE_CORRUPT: return .store("\(path) is corrupt: \(db.message ?? "malformed database")")
      case .SQLITE_CANTOPEN: return .store("cannot open \(path): \(db.message ?? "no such file or folder")")
      default: return .store("\(path): \(db.message ?? "\(db)")")
      }
    }
    return .store("\(path): \(error)")
  }

  /// Runs one write transaction (IMMEDIATE: it takes the write lock at once, so claims cannot race).
  private func transaction<T>(_ body: (Database) throws -> T) throws -> T {
    do {
      return try pool.writeWithoutTransaction { db in
        var result: T?
        try db.inTransaction(.immediate) {
          result = try body(db)
          return .commit
        }
        guard let result else { throw SearchError.store("transaction produced no result") }
        return result
      }
    } catch let error as SearchError {
      throw error
    } catch {
      throw Self.openError(path, error)
    }
  }

  private func reading<T>(_ body: (Database) throws -> T) throws -> T {
    do {
      return try pool.read(body)
    } catch let error as SearchError {
      throw error
    } catch {
      throw Self.openError(path, error)
    }
  }

  // MARK: metadata

  private static func read(_ db: Database, path: String) throws -> SearchMetadata {
    var values: [String: String] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") { values[row["key"]] = row["value"] }
    return try SearchMetadata(rows: values, location: path)
  }

  public func metadata() throws -> SearchMetadata {
    try reading { try Self.read($0, path: path) }
  }

  // MARK: candidates

  public func insert(_ c: Candidate) throws -> Int64 {
    try transaction { db in
      try Self.insert(c, db, stored: nil)
      let id = db.lastInsertedRowID
      let (kind, detail) = c.birthEvent
      try Self.event(db, kind, candidate: id, worker: nil, detail: detail)
      return id
    }
  }

  /// Inserts a new candidate, or a copied one with its id and bookkeeping.
  private static func insert(_ c: Candidate, _ db: Database, stored: StoredCandidate?) throws {
    let values: [DatabaseValueConvertible?] = try c.columnValues(stored, bornAt: Date().timeIntervalSince1970).map {
      switch $0 {
      case .text(let v): return v
      case .integer(let v): return v
      case .real(let v): return v
      }
    }
    let columns = (stored == nil ? [] : ["id"]) + CandidateColumns.names
    let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
    try db.execute(
      sql: "INSERT INTO candidate (\(columns.joined(separator: ", "))) VALUES (\(marks))",
      arguments: StatementArguments((stored == nil ? [] : [c.id]) + values))
  }

  public func claim(worker: String, now: Double) throws -> Claim? {
    return try transaction { db -> Claim? in
      guard
        let row = try Row.fetchOne(
          db,
          sql: """
            SELECT * FROM candidate WHERE status = 'pending' OR (status = 'running' AND lease_expires < ?)
            ORDER BY id LIMIT 1
            """, arguments: [now])
      else { return nil }
      var candidate = try row.candidate()
      let requeued = candidate.status == .running
      let attempt: Int = row["attempt"] + 1
      try db.execute(
        sql: "UPDATE candidate SET status = 'running', worker = ?, attempt = ?, lease_expires = ? WHERE id = ?",
        arguments: [worker, attempt, now + lease, candidate.id])
      if requeued {
        try Self.event(db, "requeued", candidate: candidate.id, worker: candidate.worker, detail: "lease expired")
      }
      try Self.event(db, "claimed", candidate: candidate.id, worker: worker, detail: "attempt \(attempt)")
      candidate.status = .running
      candidate.worker = worker
      return Claim(candidate: candidate, worker: worker, attempt: attempt)
    }
  }

  /// Whether the claim still holds (same attempt, still running).
  private static func holds(_ claim: Claim, _ db: Database) throws -> Bool {
    try Bool.fetchOne(
      db, sql: "SELECT status = 'running' AND attempt = ? AND worker = ? FROM candidate WHERE id = ?",
      arguments: [claim.attempt, claim.worker, claim.candidate.id]) ?? false
  }

  public func renew(_ claim: Claim, now: Double) throws -> Bool {
    return try transaction { db in
      guard try Self.holds(claim, db) else { return false }
      try db.execute(
        sql: "UPDATE candidate SET lease_expires = ? WHERE id = ?", arguments: [now + lease, claim.candidate.id])
      return true
    }
  }

  public func complete(_ claim: Claim, result: EvaluationResult, now: Double) throws -> Bool {
    try transaction { db in
      guard try Self.holds(claim, db) else { return false }
      let done = CompletedColumns(result.outcome)
      try db.execute(
        sql: """
          UPDATE candidate SET status = ?, reason = ?, detail = ?, scores = ?, timings = ?, finished_at = ?,
            lease_expires = NULL WHERE id = ?
          """,
        arguments: [
          done.status.rawValue, done.reason?.rawValue, done.detail, try json(done.scores), try json(result.timings),
          now, claim.candidate.id,
        ])
      try Self.event(db, "evaluated", candidate: claim.candidate.id, worker: claim.worker, detail: done.eventDetail)
      return true
    }
  }

  public func candidate(_ id: Int64) throws -> Candidate? {
    try reading { db in
      try Row.fetchOne(db, sql: "SELECT * FROM candidate WHERE id = ?", arguments: [id]).map { try $0.candidate() }
    }
  }

  public func candidates(status: CandidateStatus?) throws -> [Candidate] {
    try reading { db in
      let rows =
        try status.map {
          try Row.fetchAll(db, sql: "SELECT * FROM candidate WHERE status = ? ORDER BY id", arguments: [$0.rawValue])
        } ?? Row.fetchAll(db, sql: "SELECT * FROM candidate ORDER BY id")
      return try rows.map { try $0.candidate() }
    }
  }

  public func finished(fingerprint: String) throws -> Candidate? {
    try reading { db in
      try Row.fetchOne(
        db, sql: "SELECT * FROM candidate WHERE fingerprint = ? AND status IN ('done', 'rejected') ORDER BY id LIMIT 1",
        arguments: [fingerprint]
      ).map { try $0.candidate() }
    }
  }

  public func unabsorbed() throws -> [Candidate] {
    try reading { db in
      try Row.fetchAll(
        db, sql: "SELECT * FROM candidate WHERE absorbed = 0 AND status IN ('done', 'rejected') ORDER BY id"
      ).map { try $0.candidate() }
    }
  }

  public func absorb(_ id: Int64, population: [Int64], now: Double) throws {
    try transaction { db in
      try db.execute(sql: "UPDATE candidate SET absorbed = 1 WHERE id = ?", arguments: [id])
      try db.execute(sql: "DELETE FROM population")
      for (position, member) in population.enumerated() {
        try db.execute(
          sql: "INSERT INTO population (position, candidate_id) VALUES (?, ?)", arguments: [position, member])
      }
    }
  }

  public func population() throws -> [Int64] {
    try reading { db in try Int64.fetchAll(db, sql: "SELECT candidate_id FROM population ORDER BY position") }
  }

  public func nextBirthStep() throws -> Int {
    try reading { db in try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(birth_step) + 1, 0) FROM candidate") ?? 0 }
  }

  public func inFlight() throws -> Int {
    try reading { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidate WHERE status IN ('pending', 'running')") ?? 0
    }
  }

  public func events(limit: Int?) throws -> [SearchEvent] {
    try reading { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT * FROM (SELECT * FROM event ORDER BY id DESC LIMIT ?) ORDER BY id", arguments: [limit ?? -1])
      return try rows.map { try $0.event() }
    }
  }

  public func log(_ kind: String, worker: String?, detail: String?, now: Double) throws {
    try transaction { db in try Self.event(db, kind, candidate: nil, worker: worker, detail: detail, time: now) }
  }

  // MARK: copying

  public func snapshot() throws -> SearchSnapshot {
    try reading { db in
      SearchSnapshot(
        metadata: try Self.read(db, path: path),
        candidates: try Row.fetchAll(db, sql: "SELECT * FROM candidate ORDER BY id").map { try $0.stored() },
        population: try Int64.fetchAll(db, sql: "SELECT candidate_id FROM population ORDER BY position"),
        events: try Row.fetchAll(db, sql: "SELECT * FROM event ORDER BY id").map { try $0.event() })
    }
  }

  public func restore(_ snapshot: SearchSnapshot) throws {
    try transaction { db in
      let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidate") ?? 0
      guard count == 0 else { throw SearchError.store("\(path) already holds \(count) candidates") }
      for stored in snapshot.candidates { try Self.insert(stored.candidate, db, stored: stored) }
      for (position, member) in snapshot.population.enumerated() {
        try db.execute(
          sql: "INSERT INTO population (position, candidate_id) VALUES (?, ?)", arguments: [position, member])
      }
      try db.execute(sql: "DELETE FROM event")
      for e in snapshot.events {
        try Self.event(db, e.kind, candidate: e.candidate, worker: e.worker, detail: e.detail, time: e.time)
      }
    }
  }

  // MARK: rows

  private static func event(
    _ db: Database, _ kind: String, candidate: Int64?, worker: String?, detail: String?,
    time: Double = Date().timeIntervalSince1970
  ) throws {
    try db.execute(
      sql: "INSERT INTO event (time, kind, candidate_id, worker, detail) VALUES (?, ?, ?, ?, ?)",
      arguments: [time, kind, candidate, worker, detail])
  }

}

extension JSONEncoder {
  /// An encoder with sorted keys, so equal values give equal text.
  static var sorted: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return encoder
  }
}

extension Row: CandidateRow {
  func text(_ column: String) throws -> String? { self[column] }
  func integer(_ column: String) throws -> Int64? { self[column] }
  func real(_ column: String) throws -> Double? { self[column] }
}
