import Foundation

/// A PostgreSQL store's URL, `postgres://user[:password]@host[:port]/database?search=name` (or
/// `postgresql://`; other libpq parameters such as `sslmode=require` pass through). `search` names one
/// search among several in the database (default `default`); each lives in its own PostgreSQL schema.
struct PostgresLocation {
  /// The URL libpq connects with (without `search`, with the search as fallback application name).
  let conninfo: String
  /// The search's name: lowercase letters, digits and _.
  let search: String
  /// The URL without its password, for messages.
  let description: String

  /// The PostgreSQL schema that holds the search's tables.
  var schema: String { PostgresLocation.prefix + search }
  /// Schemas of searches start with this.
  static let prefix = "evo_search_"

  static func isPostgres(_ location: String) -> Bool {
    location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
  }

  init(_ url: String) throws {
    guard var components = URLComponents(string: url), components.host?.isEmpty == false else {
      throw SearchError.store("\(url) is not a PostgreSQL URL (postgres://user@host[:port]/database?search=name)")
    }
    var items = components.queryItems ?? []
    let search = items.first { $0.name == "search" }?.value ?? "default"
    items.removeAll { $0.name == "search" }
    guard (1...40).contains(search.count),
      search.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
    else {
      throw SearchError.store("search name '\(search)' in \(url): use 1-40 lowercase letters, digits or _")
    }
    // The server's pg_stat_activity names the search each connection serves (unless the URL names it),
    // and a connection attempt gives up after 10 s (unless the URL says otherwise) instead of the
    // system's TCP timeout of minutes, so reconnecting keeps to its deadline.
    var settings = [URLQueryItem(name: "fallback_application_name", value: "evo search \(search)")]
    if !items.contains(where: { $0.name == "connect_timeout" }) {
      settings.append(URLQueryItem(name: "connect_timeout", value: "10"))
    }
    components.queryItems = items + settings
    guard let conninfo = components.string else { throw SearchError.store("\(url) is not a PostgreSQL URL") }
    self.conninfo = conninfo
    self.search = search
    components.password = nil
    components.queryItems = items + [URLQueryItem(name: "search", value: search)]
    description = components.string ?? conninfo
  }
}
