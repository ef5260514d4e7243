internal import GRDB

/// The SQLite store's schema: `StoreSchema`'s tables, one migration per version; GRDB records the
/// applied ones in `grdb_migrations`, so an older store is brought up to date on open and a newer one
/// is refused.
enum SQLiteSchema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    for (identifier, sql) in StoreSchema.migrations(.sqlite) {
      migrator.registerMigration(identifier) { db in try db.execute(sql: sql) }
    }
    return migrator
  }
}
