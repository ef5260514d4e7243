internal import CLibPQ
import Foundation

/// An error the PostgreSQL server (or libpq) reported: its SQLSTATE code and primary message.
struct PostgresError: Error, CustomStringConvertible {
  /// The five-character SQLSTATE ("23505" unique violation, ...; "" for a client-side failure).
  var code: String
  var message: String

  var description: String { message }
}

/// One connection to a PostgreSQL server through libpq: statements with text parameters and text
/// results, and transactions. Not thread-safe: its owner serialises calls.
final class PostgresConnection {
  private let connection: OpaquePointer
  /// Statements that set up each session (run again after a reconnection).
  private let setup: [String]

  /// Connects with a libpq connection string or URI and runs `setup`; throws with libpq's message.
  init(_ conninfo: String, setup: [String]) throws {
    guard let connection = PQconnectdb(conninfo) else { throw PostgresError(code: "", message: "out of memory") }
    guard PQstatus(connection) == CONNECTION_OK else {
      let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
      PQfinish(connection)
      throw PostgresError(code: "", message: message)
    }
    self.connection = connection
    self.setup = setup
    for statement in setup { try execute(statement) }
  }

  deinit { PQfinish(connection) }

  /// Runs one statement with parameters $1, $2, ... (text; nil is NULL) and returns its rows.
  @discardableResult
  func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
    let copies = parameters.map { $0.flatMap { strdup($0) } }
    defer { for copy in copies { free(copy) } }
    let values = copies.map { $0.map { UnsafePointer($0) } }
    return try check(PQexecParams(connection, sql, Int32(values.count), nil, values, nil, nil, 0))
  }

  /// Runs several statements separated by semicolons, without parameters (a migration).
  func executeScript(_ sql: String) throws {
    _ = try check(PQexec(connection, sql))
  }

  /// The rows of a result, or its error.
  private func check(_ result: OpaquePointer?) throws -> PostgresRows {
    guard let result else { throw PostgresError(code: "", message: String(cString: PQerrorMessage(connection))) }
    defer { PQclear(result) }
    switch PQresultStatus(result) {
    case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return PostgresRows(result)
    default:
      let field = { (code: UInt8) in PQresultErrorField(result, Int32(code)).map { String(cString: $0) } }
      let message =
        field(UInt8(ascii: "M"))
        ?? String(cString: PQresultErrorMessage(result))
        .trimmingCharacters(in: .whitespacesAndNewlines)
      throw PostgresError(code: field(UInt8(ascii: "C")) ?? "", message: message)
    }
  }

  /// Whether the connection is gone (the server restarted or failed over, the network link broke).
  var isLost: Bool { PQstatus(connection) != CONNECTION_OK }

  /// Re-establishes a lost connection, trying every second for up to `seconds` (a server restart or a
  /// managed database's failover); throws libpq's message when the server is still unreachable then.
  func reconnectIfLost(within seconds: Double) throws {
    guard isLost else { return }
    let end = Date().addingTimeInterval(seconds)
    while true {
      PQreset(connection)
      if !isLost { break }
      guard Date() < end else {
        let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
        throw PostgresError(code: "", message: "connection lost and not re-established: \(message)")
      }
      Thread.sleep(forTimeInterval: 1)
    }
    for statement in setup { try execute(statement) }
  }

  /// Runs `body` in one transaction (committed when it returns, rolled back when it throws); `begin`
  /// may name an isolation level.
  func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
    try execute(begin)
    do {
      let result = try body()
      try execute("COMMIT")
      return result
    } catch {
      _ = try? execute("ROLLBACK")
      throw error
    }
  }
}

/// The rows of a statement's result, as text (NULL is nil), and the number of rows it changed.
struct PostgresRows {
  let columns: [String]
  let values: [[String?]]
  /// Rows inserted, updated or deleted.
  let changed: Int

  fileprivate init(_ result: OpaquePointer) {
    let count = Int(PQntuples(result))
    let width = Int(PQnfields(result))
    columns = (0..<width).map { String(cString: PQfname(result, Int32($0))) }
    values = (0..<count).map { row in
      (0..<width).map { column in
        PQgetisnull(result, Int32(row), Int32(column)) != 0
          ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
      }
    }
    changed = Int(String(cString: PQcmdTuples(result))) ?? 0
  }

  var rows: [PostgresRow] { values.map { PostgresRow(columns: columns, values: $0) } }
}

/// One row of a result, read by column name.
struct PostgresRow: CandidateRow {
  let columns: [String]
  let values: [String?]

  func text(_ column: String) throws -> String? {
    guard let index = columns.firstIndex(of: column) else { throw SearchError.store("no column \(column)") }
    return values[index]
  }

  func integer(_ column: String) throws -> Int64? {
    try text(column).map {
      guard let value = Int64($0) else { throw SearchError.store("\(column) is not an integer: \($0)") }
      return value
    }
  }

  func real(_ column: String) throws -> Double? {
    try text(column).map {
      guard let value = Double($0) else { throw SearchError.store("\(column) is not a number: \($0)") }
      return value
    }
  }
}
