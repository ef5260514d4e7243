import EvoSearch
import Foundation

/// The search store kinds tests run against: SQLite always, PostgreSQL when EVO_TEST_POSTGRES_URL names
/// a reachable server (`.ci/run` starts one on loopback).
public enum TestStore: String, CaseIterable, Sendable {
  case sqlite, postgres

  /// EVO_TEST_POSTGRES_URL when a server answers there; otherwise nil, and the reason is printed once.
  public static let postgresURL: String? = {
    guard let url = ProcessInfo.processInfo.environment["EVO_TEST_POSTGRES_URL"], !url.isEmpty else {
      FileHandle.standardError.write(Data("PostgreSQL store tests skipped: EVO_TEST_POSTGRES_URL is unset\n".utf8))
      return nil
    }
    do {
      _ = try SearchStores.exists(url)
      return url
    } catch {
      FileHandle.standardError.write(Data("PostgreSQL store tests skipped: \(error)\n".utf8))
      return nil
    }
  }()

  /// Whether PostgreSQL tests can run here.
  public static var hasPostgres: Bool { postgresURL != nil }

  /// A new search's location: a file in `folder`, or a fresh search name in the test database.
  public func location(in folder: String, name: String = "s") -> String {
    switch self {
    case .sqlite: return folder + "/\(name).db"
    case .postgres:
      let base = Self.postgresURL ?? "postgres://localhost/evo"
      let unique = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
      return base + (base.contains("?") ? "&" : "?") + "search=t_\(name)_\(unique)"
    }
  }
}
