import Foundation

/// Opens a search store by its location: `runs/x.db` or `sqlite:runs/x.db` (an SQLite file), or
/// `postgres://user@host[:port]/database?search=name` (also `postgresql://`; one search in a PostgreSQL
/// database). Every command and `evolve.search` open stores through it.
public enum SearchStores {
  /// The SQLite path of a location, or nil for a PostgreSQL URL; throws for an unknown scheme.
  public static func sqlitePath(_ location: String) throws -> String? {
    if PostgresLocation.isPostgres(location) { return nil }
    if location.hasPrefix("sqlite:") { return String(location.dropFirst("sqlite:".count)) }
    if let scheme = location.range(of: "://") {
      throw SearchError.store(
        "unknown store scheme '\(location[..<scheme.lowerBound])' in \(location) (use a path, sqlite:PATH or postgres://...)"
      )
    }
    return location
  }

  /// Opens the existing search at `location`.
  public static func open(_ location: String) throws -> SearchStore {
    if let path = try sqlitePath(location) { return try SQLiteSearchStore(path: path) }
    return try PostgresSearchStore(url: location)
  }

  /// Creates the search at `location`, or resumes the same search there.
  public static func open(_ location: String, creating metadata: SearchMetadata) throws -> SearchStore {
    if let path = try sqlitePath(location) { return try SQLiteSearchStore(path: path, creating: metadata) }
    return try PostgresSearchStore(url: location, creating: metadata)
  }

  /// Whether a search exists at `location` (a PostgreSQL location connects to find out).
  public static func exists(_ location: String) throws -> Bool {
    if let path = try sqlitePath(location) { return FileManager.default.fileExists(atPath: path) }
    return try PostgresSearchStore.exists(url: location)
  }

  /// Copies the search at `source` into a new search at `destination` (any two locations: export a
  /// PostgreSQL search into an SQLite file, import one the other way); returns the candidates copied.
  @discardableResult
  public static func copy(from source: String, to destination: String) throws -> Int {
    let snapshot = try open(source).snapshot()
    if try exists(destination), let path = try sqlitePath(destination) {
      throw SearchError.store("\(path) exists already; copy into a new file")
    }
    try open(destination, creating: snapshot.metadata).restore(snapshot)
    return snapshot.candidates.count
  }
}
