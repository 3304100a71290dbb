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

  CREATE TABLE secrets (
    vault TEXT NOT NULL COLLATE NOCASE REFERENCES vaults(name) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE NOCASE,
    next_seq INTEGER NOT NULL,
    latest_version TEXT NOT NULL,
    deleted_at INTEGER,
    scheduled_purge INTEGER,
    PRIMARY KEY (vault, name)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX secrets_purge ON secrets (scheduled_purge) WHERE scheduled_purge IS NOT NULL;

  CREATE TABLE secret_versions (
    vault TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL COLLATE NOCASE,
    version TEXT NOT NULL COLLATE NOCASE,
    seq INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    not_before INTEGER,
    expires INTEGER,
    content_type TEXT,
    tags TEXT,
    sealed_value BLOB NOT NULL,
    PRIMARY KEY (vault, name, version),
    FOREIGN KEY (vault, name) REFERENCES secrets(vault, name) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;
  CREATE UNIQUE INDEX secret_versions_seq ON secret_versions (vault, name, seq);

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
