/**
 * Versioned migrations for the PostgreSQL store, applied in order under an advisory lock (postgres-store.ts) so
 * that nodes starting together migrate once. Names compare without regard to case, as in Azure: each named
 * thing has a `*_key` column holding `lower(name)` (names are ASCII), and keeps the name as first written.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);

  CREATE TABLE vaults (
    name_key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retention_days INTEGER NOT NULL,
    purge_protection BOOLEAN NOT NULL,
    enable_rbac BOOLEAN NOT NULL,
    created_by TEXT NOT NULL
  );

  CREATE TABLE objects (
    vault_key TEXT NOT NULL REFERENCES vaults (name_key) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name_key TEXT NOT NULL,
    name TEXT NOT NULL,
    next_seq BIGINT NOT NULL,
    latest_version TEXT NOT NULL,
    deleted_at BIGINT,
    scheduled_purge BIGINT,
    policy TEXT,
    PRIMARY KEY (vault_key, kind, name_key)
  );
  CREATE INDEX objects_purge ON objects (scheduled_purge) WHERE scheduled_purge IS NOT NULL;

  CREATE TABLE object_versions (
    vault_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_key TEXT NOT NULL,
    version_key TEXT NOT NULL,
    vault TEXT NOT NULL,
    version TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL,
    not_before BIGINT,
    expires BIGINT,
    tags TEXT,
    content_type TEXT,
    key_ops TEXT,
    public_data TEXT,
    sealed BYTEA NOT NULL,
    PRIMARY KEY (vault_key, kind, name_key, version_key),
    FOREIGN KEY (vault_key, kind, name_key) REFERENCES objects (vault_key, kind, name_key) ON DELETE CASCADE
  );
  CREATE UNIQUE INDEX object_versions_seq ON object_versions (vault_key, kind, name_key, seq);

  CREATE TABLE principals (
    id_key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );

  CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    principal_key TEXT NOT NULL REFERENCES principals (id_key) ON DELETE CASCADE,
    principal_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL,
    certificate TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
  );
  CREATE INDEX credentials_principal ON credentials (principal_key);

  CREATE TABLE access_policies (
    vault_key TEXT NOT NULL REFERENCES vaults (name_key) ON DELETE CASCADE,
    principal_key TEXT NOT NULL REFERENCES principals (id_key) ON DELETE CASCADE,
    vault TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    permissions TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (vault_key, principal_key)
  );

  CREATE TABLE role_definitions (
    id_key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    role_name TEXT NOT NULL,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );

  CREATE TABLE role_assignments (
    id_key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    principal_key TEXT NOT NULL REFERENCES principals (id_key) ON DELETE CASCADE,
    principal_id TEXT NOT NULL,
    role_definition_key TEXT NOT NULL,
    role_definition_id TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    scope TEXT NOT NULL,
    -- The vault the scope lies in (NULL for "/"), so that deleting a vault removes its assignments.
    vault_key TEXT REFERENCES vaults (name_key) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (principal_key, role_definition_key, scope_key)
  );
  CREATE INDEX role_assignments_principal ON role_assignments (principal_key);
  `,
  // 2: vault tiers. Vaults that exist become standard, Azure's default (dev mode upgrades its own vault at start).
  `
  ALTER TABLE vaults ADD COLUMN sku TEXT NOT NULL DEFAULT 'standard' CHECK (sku IN ('standard', 'premium'));
  `,
  // 3: soft-deleted vaults. A deleted vault keeps its row (so its name stays taken) and everything under it until
  // it is recovered or purged; the background work purges it at its scheduled purge date.
  `
  ALTER TABLE vaults ADD COLUMN deleted_at BIGINT, ADD COLUMN scheduled_purge BIGINT;
  CREATE INDEX vaults_purge ON vaults (scheduled_purge) WHERE scheduled_purge IS NOT NULL;
  `,
  // 4: the `managed` attribute: a version whose lifetime a certificate owns. Every version that exists is unmanaged.
  `
  ALTER TABLE object_versions ADD COLUMN managed BOOLEAN NOT NULL DEFAULT false;
  `,
  // 5: small sealed settings of a vault (certificate issuers, certificate contacts), gone with their vault.
  `
  CREATE TABLE vault_entries (
    vault_key TEXT NOT NULL REFERENCES vaults (name_key) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name_key TEXT NOT NULL,
    vault TEXT NOT NULL,
    name TEXT NOT NULL,
    value BYTEA NOT NULL,
    PRIMARY KEY (vault_key, kind, name_key)
  );
  `,
  // 6: the audit trail's PostgreSQL sink (docs/audit.md): each node's chain, one row per line; the row each flush
  // writes (a commit that writes nothing is never flushed); the public key that checks the chains' checkpoints.
  `
  CREATE TABLE audit_entries (
    node TEXT NOT NULL,
    seq BIGINT NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (node, seq)
  );
  CREATE TABLE audit_flushes (node TEXT PRIMARY KEY, flushed_at TIMESTAMPTZ NOT NULL);
  CREATE TABLE audit_keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL);
  `,
  // 7: a request's access check reads only the caller's assignments that can apply in its vault (at "/" or in it).
  `
  DROP INDEX role_assignments_principal;
  CREATE INDEX role_assignments_principal_vault ON role_assignments (principal_key, vault_key);
  `,
  // 8: keys held in a hardware token. A version stores the token's reference instead of private material; when the
  // last version holding a reference is deleted, by whatever purge or cascade, the trigger records the reference in
  // the same transaction, for the key layer to destroy the token's object. Row AFTER triggers, those of the rows a
  // foreign key cascade deletes too, run once the outermost statement is done, so each check sees every row that
  // statement deleted gone; the first check that finds no row left releases the reference, later ones change nothing.
  // Rows that another transaction deletes meanwhile are still seen: so when rows are left, the advisory lock on the
  // reference makes such transactions take turns and the check is made again (in READ COMMITTED with a new snapshot,
  // which sees what the one before committed; in SERIALIZABLE the conflict fails one of them, to be run again).
  // `seq` is the order of release.
  `
  ALTER TABLE object_versions ADD COLUMN backend_ref TEXT CHECK (char_length(backend_ref) BETWEEN 1 AND 200);
  CREATE INDEX object_versions_backend_ref ON object_versions (backend_ref) WHERE backend_ref IS NOT NULL;

  CREATE TABLE released_backend_refs (
    ref TEXT PRIMARY KEY,
    released_at BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint,
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
  );

  CREATE FUNCTION release_backend_ref() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM object_versions WHERE backend_ref = OLD.backend_ref) THEN
      -- The two-key lock space of backend references, "khbr" (0x6b686272), apart from the objects' and the one-key locks.
      PERFORM pg_advisory_xact_lock(1802003058, hashtext(OLD.backend_ref));
      IF EXISTS (SELECT 1 FROM object_versions WHERE backend_ref = OLD.backend_ref) THEN
        RETURN NULL;
      END IF;
    END IF;
    INSERT INTO released_backend_refs (ref) VALUES (OLD.backend_ref) ON CONFLICT (ref) DO NOTHING;
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER object_versions_release_backend_ref AFTER DELETE ON object_versions
    FOR EACH ROW WHEN (OLD.backend_ref IS NOT NULL) EXECUTE FUNCTION release_backend_ref();
  `,
  // 9: users (people who sign in with a password) among the principals. A user's sign-in name is unique among users
  // without regard to case (ASCII, as the identity layer allows only ASCII names); other principals have none.
  `
  ALTER TABLE principals ADD COLUMN user_name TEXT;
  CREATE UNIQUE INDEX principals_user_name ON principals (lower(user_name)) WHERE user_name IS NOT NULL;
  `,
  // 10: what the user sign-in flows keep between requests (sessions, codes, grants), gone with their principal (by
  // its key, as every reference to a principal). Ids, sessions and lookups compare exactly: a code's id is a hash,
  // and the flows normalise what they look up.
  `
  CREATE TABLE auth_records (
    kind TEXT NOT NULL CHECK (kind IN ('session', 'code', 'device', 'grant')),
    id TEXT NOT NULL CHECK (char_length(id) BETWEEN 1 AND 200),
    principal_key TEXT REFERENCES principals (id_key) ON DELETE CASCADE,
    principal_id TEXT,
    session_id TEXT,
    lookup TEXT,
    body TEXT NOT NULL,
    revision BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
  );
  CREATE UNIQUE INDEX auth_records_lookup ON auth_records (kind, lookup) WHERE lookup IS NOT NULL;
  CREATE INDEX auth_records_session ON auth_records (session_id) WHERE session_id IS NOT NULL;
  CREATE INDEX auth_records_expiry ON auth_records (expires_at);
  CREATE INDEX auth_records_principal ON auth_records (principal_key) WHERE principal_key IS NOT NULL;
  `,
];
