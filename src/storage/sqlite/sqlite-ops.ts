import type {
  CredentialRecord,
  Page,
  PrincipalRecord,
  SecretAttributes,
  SecretState,
  SecretSummary,
  SecretVersionRecord,
  VaultRecord,
} from "../records.js";
import type { StoreOps } from "../store.js";
import type { Statements } from "./statements.js";

type Row = Record<string, unknown>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toVault(r: Row): VaultRecord {
  return {
    name: String(r.name),
    createdAt: Number(r.created_at),
    retentionDays: Number(r.retention_days),
    purgeProtection: r.purge_protection === 1,
    createdBy: String(r.created_by),
  };
}

function toVersion(r: Row): SecretVersionRecord {
  return {
    vault: String(r.vault),
    name: String(r.display_name),
    version: String(r.version),
    seq: Number(r.seq),
    created: Number(r.created),
    updated: Number(r.updated),
    enabled: r.enabled === 1,
    notBefore: num(r.not_before),
    expires: num(r.expires),
    contentType: r.content_type === null ? null : String(r.content_type),
    tags: r.tags === null ? null : (JSON.parse(String(r.tags)) as Record<string, string>),
    sealedValue: r.sealed_value as Buffer,
  };
}

function toState(r: Row): SecretState {
  return {
    vault: String(r.vault),
    name: String(r.name),
    deletedAt: num(r.deleted_at),
    scheduledPurge: num(r.scheduled_purge),
  };
}

const COLUMNS = "vault, version, seq, display_name, created, updated, enabled, not_before, expires, content_type, tags, sealed_value";
/** The version columns qualified by the alias `v` (RETURNING takes them unqualified). */
const VERSION_COLUMNS = COLUMNS.split(", ").map((c) => `v.${c}`).join(", ");

/**
 * The store's operations over SQLite. Reads use `read` (the reader connection, or the writer inside a
 * transaction); writes run through `write`, which the owner makes atomic and serialised.
 */
export class SqliteOps implements StoreOps {
  constructor(
    protected readonly read: Statements,
    protected readonly writer: Statements,
    private readonly write: <T>(work: () => T) => Promise<T>,
  ) {}

  async getMeta(key: string): Promise<Buffer | undefined> {
    const row = this.read.get("SELECT value FROM meta WHERE key = ?").get(key) as Row | undefined;
    return row ? (row.value as Buffer) : undefined;
  }

  initMeta(key: string, value: Buffer): Promise<Buffer> {
    return this.write(() => {
      this.writer.get("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING").run(key, value);
      return (this.writer.get("SELECT value FROM meta WHERE key = ?").get(key) as Row).value as Buffer;
    });
  }

  createVault(v: VaultRecord): Promise<boolean> {
    return this.write(() => {
      const info = this.writer
        .get(
          "INSERT INTO vaults (name, created_at, retention_days, purge_protection, created_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .run(v.name, v.createdAt, v.retentionDays, v.purgeProtection ? 1 : 0, v.createdBy);
      return info.changes === 1;
    });
  }

  async getVault(name: string): Promise<VaultRecord | undefined> {
    const row = this.read.get("SELECT * FROM vaults WHERE name = ?").get(name) as Row | undefined;
    return row ? toVault(row) : undefined;
  }

  async listVaults(): Promise<VaultRecord[]> {
    return (this.read.get("SELECT * FROM vaults ORDER BY name").all() as Row[]).map(toVault);
  }

  deleteVault(name: string): Promise<boolean> {
    return this.write(() => this.writer.get("DELETE FROM vaults WHERE name = ?").run(name).changes === 1);
  }

  async getSecretState(vault: string, name: string): Promise<SecretState | undefined> {
    const row = this.read
      .get(
        "SELECT s.vault, v.display_name AS name, s.deleted_at, s.scheduled_purge FROM secrets s JOIN secret_versions v ON v.vault = s.vault AND v.name = s.name AND v.version = s.latest_version WHERE s.vault = ? AND s.name = ?",
      )
      .get(vault, name) as Row | undefined;
    return row ? toState(row) : undefined;
  }

  addSecretVersion(r: Omit<SecretVersionRecord, "seq">): Promise<SecretVersionRecord> {
    return this.write(() => {
      const row = this.writer
        .get(
          `INSERT INTO secrets (vault, name, next_seq, latest_version) VALUES (?, ?, 1, ?)
           ON CONFLICT (vault, name) DO UPDATE SET next_seq = next_seq + 1, latest_version = excluded.latest_version
           RETURNING next_seq`,
        )
        .get(r.vault, r.name, r.version) as Row;
      const seq = Number(row.next_seq);
      const first = this.writer
        .get("SELECT display_name FROM secret_versions WHERE vault = ? AND name = ? LIMIT 1")
        .get(r.vault, r.name) as Row | undefined;
      const displayName = first ? String(first.display_name) : r.name;
      this.writer
        .get(
          `INSERT INTO secret_versions (vault, name, version, seq, display_name, created, updated, enabled, not_before, expires, content_type, tags, sealed_value)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.vault,
          r.name,
          r.version,
          seq,
          displayName,
          r.created,
          r.updated,
          r.enabled ? 1 : 0,
          r.notBefore,
          r.expires,
          r.contentType,
          r.tags === null ? null : JSON.stringify(r.tags),
          r.sealedValue,
        );
      return { ...r, name: displayName, seq };
    });
  }

  async getSecretVersion(vault: string, name: string, version: string | null): Promise<SecretVersionRecord | undefined> {
    const row = (
      version === null
        ? this.read
            .get(
              `SELECT ${VERSION_COLUMNS} FROM secrets s JOIN secret_versions v ON v.vault = s.vault AND v.name = s.name AND v.version = s.latest_version WHERE s.vault = ? AND s.name = ?`,
            )
            .get(vault, name)
        : this.read
            .get(`SELECT ${VERSION_COLUMNS} FROM secret_versions v WHERE v.vault = ? AND v.name = ? AND v.version = ?`)
            .get(vault, name, version)
    ) as Row | undefined;
    return row ? toVersion(row) : undefined;
  }

  updateSecretVersion(
    vault: string,
    name: string,
    version: string,
    a: SecretAttributes,
    updated: number,
  ): Promise<SecretVersionRecord | undefined> {
    return this.write(() => {
      const row = this.writer
        .get(
          `UPDATE secret_versions SET enabled = ?, not_before = ?, expires = ?, content_type = ?, tags = ?, updated = ?
           WHERE vault = ? AND name = ? AND version = ? RETURNING ${COLUMNS}`,
        )
        .get(
          a.enabled ? 1 : 0,
          a.notBefore,
          a.expires,
          a.contentType,
          a.tags === null ? null : JSON.stringify(a.tags),
          updated,
          vault,
          name,
          version,
        ) as Row | undefined;
      return row ? toVersion(row) : undefined;
    });
  }

  async listSecrets(vault: string, deleted: boolean, after: string | null, limit: number): Promise<Page<SecretSummary>> {
    const rows = this.read
      .get(
        `SELECT s.name AS key, s.deleted_at, s.scheduled_purge, ${VERSION_COLUMNS}
         FROM secrets s JOIN secret_versions v ON v.vault = s.vault AND v.name = s.name AND v.version = s.latest_version
         WHERE s.vault = ? AND (s.deleted_at IS NOT NULL) = ? AND (? IS NULL OR s.name > ?)
         ORDER BY s.name LIMIT ?`,
      )
      .all(vault, deleted ? 1 : 0, after, after, limit + 1) as Row[];
    const items = rows.slice(0, limit).map((r) => {
      const latest = toVersion(r);
      return { latest, state: toState({ ...r, name: latest.name }) };
    });
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items, next: last ? String(last.key).toLowerCase() : null };
  }

  async listSecretVersions(vault: string, name: string, after: string | null, limit: number): Promise<Page<SecretVersionRecord>> {
    const rows = this.read
      .get(
        `SELECT ${VERSION_COLUMNS} FROM secret_versions v WHERE v.vault = ? AND v.name = ? AND v.seq > ? ORDER BY v.seq LIMIT ?`,
      )
      .all(vault, name, after === null ? 0 : Number(after), limit + 1) as Row[];
    const items = rows.slice(0, limit).map(toVersion);
    const last = rows.length > limit ? items[items.length - 1] : undefined;
    return { items, next: last ? String(last.seq) : null };
  }

  async allSecretVersions(vault: string, name: string): Promise<SecretVersionRecord[]> {
    return (
      this.read
        .get(`SELECT ${VERSION_COLUMNS} FROM secret_versions v WHERE v.vault = ? AND v.name = ? ORDER BY v.seq`)
        .all(vault, name) as Row[]
    ).map(toVersion);
  }

  setSecretDeleted(vault: string, name: string, deletedAt: number | null, scheduledPurge: number | null): Promise<boolean> {
    return this.write(
      () =>
        this.writer
          .get("UPDATE secrets SET deleted_at = ?, scheduled_purge = ? WHERE vault = ? AND name = ?")
          .run(deletedAt, scheduledPurge, vault, name).changes === 1,
    );
  }

  purgeSecret(vault: string, name: string): Promise<boolean> {
    return this.write(
      () => this.writer.get("DELETE FROM secrets WHERE vault = ? AND name = ?").run(vault, name).changes === 1,
    );
  }

  purgeDueSecrets(now: number): Promise<number> {
    return this.write(
      () => this.writer.get("DELETE FROM secrets WHERE scheduled_purge IS NOT NULL AND scheduled_purge <= ?").run(now).changes,
    );
  }

  createPrincipal(p: PrincipalRecord): Promise<void> {
    return this.write(() => {
      this.writer
        .get("INSERT INTO principals (id, kind, display_name, created_at) VALUES (?, ?, ?, ?)")
        .run(p.id, p.kind, p.displayName, p.createdAt);
    });
  }

  async getPrincipal(id: string): Promise<PrincipalRecord | undefined> {
    const row = this.read.get("SELECT * FROM principals WHERE id = ?").get(id) as Row | undefined;
    return row ? toPrincipal(row) : undefined;
  }

  async listPrincipals(): Promise<PrincipalRecord[]> {
    return (this.read.get("SELECT * FROM principals ORDER BY created_at, id").all() as Row[]).map(toPrincipal);
  }

  deletePrincipal(id: string): Promise<boolean> {
    return this.write(() => this.writer.get("DELETE FROM principals WHERE id = ?").run(id).changes === 1);
  }

  addCredential(c: CredentialRecord): Promise<void> {
    return this.write(() => {
      this.writer
        .get("INSERT INTO credentials (id, principal_id, kind, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(c.id, c.principalId, c.kind, c.hash, c.createdAt, c.expiresAt);
    });
  }

  async listCredentials(principalId: string): Promise<CredentialRecord[]> {
    const rows = this.read.get("SELECT * FROM credentials WHERE principal_id = ? ORDER BY created_at").all(principalId) as Row[];
    return rows.map((r) => ({
      id: String(r.id),
      principalId: String(r.principal_id),
      kind: r.kind as CredentialRecord["kind"],
      hash: String(r.hash),
      createdAt: Number(r.created_at),
      expiresAt: num(r.expires_at),
    }));
  }
}

function toPrincipal(r: Row): PrincipalRecord {
  return {
    id: String(r.id),
    kind: r.kind as PrincipalRecord["kind"],
    displayName: String(r.display_name),
    createdAt: Number(r.created_at),
  };
}
