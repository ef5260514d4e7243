internal import GRDB

/// The SQLite store's schema, one migration per version; GRDB records the applied ones in
/// `grdb_migrations`, so an older store is brought up to date on open and a newer one is refused.
enum SQLiteSchema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE candidate (
            id INTEGER PRIMARY KEY,
            graph TEXT NOT NULL,
            formula TEXT NOT NULL,
            hash TEXT NOT NULL,
            fingerprint TEXT,
            parent INTEGER REFERENCES candidate(id),
            birth_step INTEGER NOT NULL UNIQUE,
            status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'rejected')),
            reason TEXT,
            detail TEXT,
            scores TEXT,
            timings TEXT NOT NULL DEFAULT '{}',
            worker TEXT,
            cached_from INTEGER REFERENCES candidate(id),
            attempt INTEGER NOT NULL DEFAULT 0,
            lease_expires REAL,
            born_at REAL NOT NULL,
            finished_at REAL,
            absorbed INTEGER NOT NULL DEFAULT 0
          );
          CREATE INDEX candidate_status ON candidate (status, id);
          CREATE INDEX candidate_fingerprint ON candidate (fingerprint, id);
          CREATE INDEX candidate_unabsorbed ON candidate (absorbed, id);
          CREATE TABLE population (position INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL REFERENCES candidate(id));
          CREATE TABLE event (
            id INTEGER PRIMARY KEY,
            time REAL NOT NULL,
            kind TEXT NOT NULL,
            candidate_id INTEGER,
            worker TEXT,
            detail TEXT
          );
          """)
    }
    return migrator
  }
}
