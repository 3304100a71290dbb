/** Versioned schema migrations for the SQLite store; `user_version` records how far a file has come. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;

  CREATE TABLE vaults (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    created_at INTEGER NOT NULL,
    retention_days INTEGER NOT NULL,
    purge_protection INTEGER NOT NULL,
    created_by TEXT NOT NULL
  ) STRICT;

  CREATE TABLE objects (
    vault TEXT NOT NULL COLLATE NOCASE REFERENCES vaults(name) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    next_seq INTEGER NOT NULL,
    latest_version TEXT NOT NULL,
    deleted_at INTEGER,
    scheduled_purge INTEGER,
    policy TEXT,
    PRIMARY KEY (vault, kind, name)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX objects_purge ON objects (scheduled_purge) WHERE scheduled_purge IS NOT NULL;

  CREATE TABLE object_versions (
    vault TEXT NOT NULL COLLATE NOCASE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    version TEXT NOT NULL COLLATE NOCASE,
    seq INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    not_before INTEGER,
    expires INTEGER,
    tags TEXT,
    content_type TEXT,
    key_ops TEXT,
    public_data TEXT,
    sealed BLOB NOT NULL,
    PRIMARY KEY (vault, kind, name, version),
    FOREIGN KEY (vault, kind, name) REFERENCES objects(vault, kind, name) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE UNIQUE INDEX object_versions_seq ON object_versions (vault, kind, name, seq);

  CREATE TABLE principals (
    id TEXT PRIMARY KEY COLLATE NOCASE,
    kind TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL COLLATE NOCASE REFERENCES principals(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  ) STRICT;
  CREATE INDEX credentials_principal ON credentials (principal_id);
  `,
];
