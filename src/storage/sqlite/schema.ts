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
  // 2: permission models (access policies, role assignments, custom roles), certificate credentials. Vaults
  // that exist keep working for their creators: each gets the Key Vault Administrator role on its vault.
  `
  ALTER TABLE vaults ADD COLUMN enable_rbac INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE credentials ADD COLUMN certificate TEXT;

  CREATE TABLE access_policies (
    vault TEXT NOT NULL COLLATE NOCASE REFERENCES vaults(name) ON DELETE CASCADE,
    principal_id TEXT NOT NULL COLLATE NOCASE REFERENCES principals(id) ON DELETE CASCADE,
    permissions TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (vault, principal_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE role_definitions (
    id TEXT PRIMARY KEY COLLATE NOCASE,
    role_name TEXT NOT NULL,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE role_assignments (
    id TEXT PRIMARY KEY COLLATE NOCASE,
    principal_id TEXT NOT NULL COLLATE NOCASE REFERENCES principals(id) ON DELETE CASCADE,
    role_definition_id TEXT NOT NULL COLLATE NOCASE,
    scope TEXT NOT NULL COLLATE NOCASE,
    -- The vault the scope lies in (NULL for "/"), so that deleting a vault removes its assignments.
    vault TEXT COLLATE NOCASE REFERENCES vaults(name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (principal_id, role_definition_id, scope)
  ) STRICT;
  CREATE INDEX role_assignments_principal ON role_assignments (principal_id);

  INSERT INTO role_assignments (id, principal_id, role_definition_id, scope, vault, created_at, created_by)
    SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' ||
                 substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
           p.id, '00482a5a-887f-4fb3-b363-3b7fe8e74483', '/vaults/' || lower(v.name), v.name, v.created_at, 'migration'
    FROM vaults v JOIN principals p ON p.id = v.created_by;
  `,
  // 3: vault tiers. Vaults that exist become standard, Azure's default (dev mode upgrades its own vault at start).
  `
  ALTER TABLE vaults ADD COLUMN sku TEXT NOT NULL DEFAULT 'standard' CHECK (sku IN ('standard', 'premium'));
  `,
  // 4: soft-deleted vaults. A deleted vault keeps its row (so its name stays taken) and everything under it until
  // it is recovered or purged; the background work purges it at its scheduled purge date.
  `
  ALTER TABLE vaults ADD COLUMN deleted_at INTEGER;
  ALTER TABLE vaults ADD COLUMN scheduled_purge INTEGER;
  CREATE INDEX vaults_purge ON vaults (scheduled_purge) WHERE scheduled_purge IS NOT NULL;
  `,
  // 5: the `managed` attribute: a version whose lifetime a certificate owns. Every version that exists is unmanaged.
  `
  ALTER TABLE object_versions ADD COLUMN managed INTEGER NOT NULL DEFAULT 0;
  `,
  // 6: small sealed settings of a vault (certificate issuers, certificate contacts), gone with their vault.
  `
  CREATE TABLE vault_entries (
    vault TEXT NOT NULL COLLATE NOCASE REFERENCES vaults(name) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    value BLOB NOT NULL,
    PRIMARY KEY (vault, kind, name)
  ) STRICT, WITHOUT ROWID;
  `,
  // 7: a request's access check reads only the caller's assignments that can apply in its vault (at "/" or in it).
  `
  DROP INDEX role_assignments_principal;
  CREATE INDEX role_assignments_principal_vault ON role_assignments (principal_id, vault);
  `,
  // 8: keys held in a hardware token. A version stores the token's reference instead of private material; when the
  // last version holding a reference is deleted, by whatever purge or cascade, the trigger records the reference in
  // the same transaction, for the key layer to destroy the token's object. SQLite fires row triggers for the rows a
  // foreign key cascade deletes, and fires each as soon as its own row is gone, so among rows sharing a reference the
  // last one's deletion releases it. The outbox's rowid is the order of release.
  `
  ALTER TABLE object_versions ADD COLUMN backend_ref TEXT CHECK (length(backend_ref) BETWEEN 1 AND 200);
  CREATE INDEX object_versions_backend_ref ON object_versions (backend_ref) WHERE backend_ref IS NOT NULL;

  CREATE TABLE released_backend_refs (ref TEXT PRIMARY KEY, released_at INTEGER NOT NULL) STRICT;

  CREATE TRIGGER object_versions_release_backend_ref AFTER DELETE ON object_versions
  WHEN old.backend_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM object_versions WHERE backend_ref = old.backend_ref)
  BEGIN
    INSERT INTO released_backend_refs (ref, released_at) VALUES (old.backend_ref, unixepoch()) ON CONFLICT (ref) DO NOTHING;
  END;
  `,
  // 9: users (people who sign in with a password) among the principals. A user's sign-in name is unique among users
  // without regard to case (ASCII, as the identity layer allows only ASCII names); other principals have none.
  `
  ALTER TABLE principals ADD COLUMN user_name TEXT COLLATE NOCASE;
  CREATE UNIQUE INDEX principals_user_name ON principals (user_name) WHERE user_name IS NOT NULL;
  `,
  // 10: what the user sign-in flows keep between requests (sessions, codes, grants), gone with their principal. Ids,
  // sessions and lookups compare exactly (BINARY): a code's id is a hash, and the flows normalise what they look up.
  `
  CREATE TABLE auth_records (
    kind TEXT NOT NULL CHECK (kind IN ('session', 'code', 'device', 'grant')),
    id TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 200),
    principal_id TEXT COLLATE NOCASE REFERENCES principals(id) ON DELETE CASCADE,
    session_id TEXT,
    lookup TEXT,
    body TEXT NOT NULL,
    revision INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
  ) STRICT, WITHOUT ROWID;
  CREATE UNIQUE INDEX auth_records_lookup ON auth_records (kind, lookup) WHERE lookup IS NOT NULL;
  CREATE INDEX auth_records_session ON auth_records (session_id) WHERE session_id IS NOT NULL;
  CREATE INDEX auth_records_expiry ON auth_records (expires_at);
  CREATE INDEX auth_records_principal ON auth_records (principal_id) WHERE principal_id IS NOT NULL;
  `,
];
