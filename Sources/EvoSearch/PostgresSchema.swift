/// The PostgreSQL store's schema: `StoreSchema`'s tables in one PostgreSQL schema per search, one
/// migration per version. `evo_migrations` records the applied ones, so an older search is brought up
/// to date on open and a newer one is refused.
enum PostgresSchema {
  /// The migrations in order: identifier and SQL.
  static let migrations = StoreSchema.migrations(.postgres)

  /// The server's clock in seconds since 1970 (leases and times use it, so machines' clocks never matter).
  static let now = "extract(epoch from clock_timestamp())::double precision"
}
