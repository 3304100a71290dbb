import type {
  DeletedVaultRecord,
  ObjectAttributes,
  ObjectKind,
  ObjectState,
  ObjectSummary,
  ObjectVersionRecord,
  Page,
  VaultRecord,
} from "../records.js";
import type { StoreOps, VaultChange, VaultEntry } from "../store.js";
import { SqliteSealedOps } from "./sqlite-sealed-ops.js";
import { checkedBackendRef } from "../backend-ref.js";
import { type Row, jsonOrNull, num, text, toDeletedVault, toVault, toVersion } from "../row-mappers.js";

function toState(r: Row, name: string): ObjectState {
  return {
    vault: String(r.vault),
    kind: r.kind as ObjectKind,
    name,
    deletedAt: num(r.deleted_at),
    scheduledPurge: num(r.scheduled_purge),
  };
}

const COLUMNS =
  "vault, kind, version, seq, display_name, created, updated, enabled, not_before, expires, tags, content_type, key_ops, public_data, " +
  "sealed, managed, backend_ref";
/** The version columns qualified by the alias `v` (RETURNING takes them unqualified). */
const VERSION_COLUMNS = COLUMNS.split(", ")
  .map((c) => `v.${c}`)
  .join(", ");
const LATEST_JOIN =
  "objects o JOIN object_versions v ON v.vault = o.vault AND v.kind = o.kind AND v.name = o.name AND v.version = o.latest_version";

/** The store's operations over SQLite: meta, vaults and versioned objects here; principals and access in the base. */
export class SqliteOps extends SqliteSealedOps implements StoreOps {
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
          `INSERT INTO vaults (name, created_at, retention_days, purge_protection, enable_rbac, sku, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO NOTHING`,
        )
        .run(v.name, v.createdAt, v.retentionDays, v.purgeProtection ? 1 : 0, v.enableRbacAuthorization ? 1 : 0, v.sku, v.createdBy);
      return info.changes === 1;
    });
  }

  async getVault(name: string): Promise<VaultRecord | undefined> {
    return this.cached(`vault\0${name.toLowerCase()}`, () => {
      const row = this.read.get("SELECT * FROM vaults WHERE name = ? AND deleted_at IS NULL").get(name) as Row | undefined;
      return row ? toVault(row) : undefined;
    });
  }

  updateVault(name: string, change: VaultChange): Promise<VaultRecord | undefined> {
    return this.write(() => {
      const row = this.writer
        .get(
          `UPDATE vaults SET enable_rbac = coalesce(?, enable_rbac), purge_protection = coalesce(?, purge_protection), sku = coalesce(?, sku)
           WHERE name = ? AND deleted_at IS NULL RETURNING *`,
        )
        .get(flag(change.enableRbacAuthorization), flag(change.purgeProtection), change.sku ?? null, name) as Row | undefined;
      return row ? toVault(row) : undefined;
    });
  }

  async listVaults(): Promise<VaultRecord[]> {
    return (this.read.get("SELECT * FROM vaults WHERE deleted_at IS NULL ORDER BY name").all() as Row[]).map(toVault);
  }

  softDeleteVault(name: string, deletedAt: number, scheduledPurge: number): Promise<boolean> {
    return this.write(
      () =>
        this.writer
          .get("UPDATE vaults SET deleted_at = ?, scheduled_purge = ? WHERE name = ? AND deleted_at IS NULL")
          .run(deletedAt, scheduledPurge, name).changes === 1,
    );
  }

  async getDeletedVault(name: string): Promise<DeletedVaultRecord | undefined> {
    const row = this.read.get("SELECT * FROM vaults WHERE name = ? AND deleted_at IS NOT NULL").get(name) as Row | undefined;
    return row ? toDeletedVault(row) : undefined;
  }

  async listDeletedVaults(): Promise<DeletedVaultRecord[]> {
    return (this.read.get("SELECT * FROM vaults WHERE deleted_at IS NOT NULL ORDER BY name").all() as Row[]).map(toDeletedVault);
  }

  recoverVault(name: string): Promise<VaultRecord | undefined> {
    return this.write(() => {
      const row = this.writer
        .get("UPDATE vaults SET deleted_at = NULL, scheduled_purge = NULL WHERE name = ? AND deleted_at IS NOT NULL RETURNING *")
        .get(name) as Row | undefined;
      return row ? toVault(row) : undefined;
    });
  }

  /** The foreign keys' ON DELETE CASCADE removes the objects, their versions, the access policies and the vault's role assignments. */
  purgeVault(name: string): Promise<boolean> {
    return this.write(
      () => this.#purging(this.writer.get("DELETE FROM vaults WHERE name = ? AND deleted_at IS NOT NULL").run(name).changes) === 1,
    );
  }

  purgeDueVaults(now: number): Promise<number> {
    return this.write(() =>
      this.#purging(
        this.writer.get("DELETE FROM vaults WHERE deleted_at IS NOT NULL AND scheduled_purge IS NOT NULL AND scheduled_purge <= ?").run(now)
          .changes,
      ),
    );
  }

  async getObjectState(vault: string, kind: ObjectKind, name: string): Promise<ObjectState | undefined> {
    // objects.name keeps the name as first written (an upsert never changes it).
    const row = this.read
      .get("SELECT vault, kind, name, deleted_at, scheduled_purge FROM objects WHERE vault = ? AND kind = ? AND name = ?")
      .get(vault, kind, name) as Row | undefined;
    return row ? toState(row, String(row.name)) : undefined;
  }

  addObjectVersion(r: Omit<ObjectVersionRecord, "seq">): Promise<ObjectVersionRecord> {
    return this.write(() => {
      const backendRef = checkedBackendRef(r.backendRef);
      const row = this.writer
        .get(
          `INSERT INTO objects (vault, kind, name, next_seq, latest_version) VALUES (?, ?, ?, 1, ?)
           ON CONFLICT (vault, kind, name) DO UPDATE SET next_seq = next_seq + 1, latest_version = excluded.latest_version
           RETURNING next_seq, name`,
        )
        .get(r.vault, r.kind, r.name, r.version) as Row;
      const seq = Number(row.next_seq);
      const displayName = String(row.name);
      this.writer
        .get(
          `INSERT INTO object_versions (${COLUMNS.replace("vault, kind,", "vault, kind, name,")})
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.vault,
          r.kind,
          r.name,
          r.version,
          seq,
          displayName,
          r.created,
          r.updated,
          r.enabled ? 1 : 0,
          r.notBefore,
          r.expires,
          jsonOrNull(r.tags),
          r.contentType,
          jsonOrNull(r.keyOps),
          r.publicData,
          r.sealed,
          r.managed ? 1 : 0,
          backendRef,
        );
      return { ...r, name: displayName, seq };
    });
  }

  async getObjectVersion(vault: string, kind: ObjectKind, name: string, version: string | null): Promise<ObjectVersionRecord | undefined> {
    return this.#version(vault, kind, name, version, false);
  }

  async getLiveObjectVersion(
    vault: string,
    kind: ObjectKind,
    name: string,
    version: string | null,
  ): Promise<ObjectVersionRecord | undefined> {
    const key = `${vault.toLowerCase()}\0${kind}\0${name.toLowerCase()}\0${version?.toLowerCase() ?? ""}`;
    return this.cached(key, () => this.#version(vault, kind, name, version, true));
  }

  #version(vault: string, kind: ObjectKind, name: string, version: string | null, liveOnly: boolean): ObjectVersionRecord | undefined {
    const live = liveOnly ? " AND o.deleted_at IS NULL" : "";
    const row = (
      version === null
        ? this.read
            .get(`SELECT ${VERSION_COLUMNS} FROM ${LATEST_JOIN} WHERE o.vault = ? AND o.kind = ? AND o.name = ?${live}`)
            .get(vault, kind, name)
        : this.read
            .get(
              `SELECT ${VERSION_COLUMNS} FROM object_versions v JOIN objects o ON o.vault = v.vault AND o.kind = v.kind AND o.name = v.name
               WHERE v.vault = ? AND v.kind = ? AND v.name = ? AND v.version = ?${live}`,
            )
            .get(vault, kind, name, version)
    ) as Row | undefined;
    return row ? toVersion(row) : undefined;
  }

  updateObjectVersion(
    vault: string,
    kind: ObjectKind,
    name: string,
    version: string,
    a: ObjectAttributes,
    updated: number,
  ): Promise<ObjectVersionRecord | undefined> {
    return this.write(() => {
      const row = this.writer
        .get(
          `UPDATE object_versions SET enabled = ?, not_before = ?, expires = ?, tags = ?, content_type = ?, key_ops = ?, updated = ?
           WHERE vault = ? AND kind = ? AND name = ? AND version = ? RETURNING ${COLUMNS}`,
        )
        .get(
          a.enabled ? 1 : 0,
          a.notBefore,
          a.expires,
          jsonOrNull(a.tags),
          a.contentType,
          jsonOrNull(a.keyOps),
          updated,
          vault,
          kind,
          name,
          version,
        ) as Row | undefined;
      return row ? toVersion(row) : undefined;
    });
  }

  async listObjects(vault: string, kind: ObjectKind, deleted: boolean, after: string | null, limit: number): Promise<Page<ObjectSummary>> {
    // Two statements, so the cursor is a plain range on the primary key (an `? IS NULL OR` would scan from the start).
    const select = `SELECT o.name AS key, o.deleted_at, o.scheduled_purge, ${VERSION_COLUMNS} FROM ${LATEST_JOIN}
         WHERE o.vault = ? AND o.kind = ? AND (o.deleted_at IS NOT NULL) = ?`;
    const rows = (
      after === null
        ? this.read.get(`${select} ORDER BY o.name LIMIT ?`).all(vault, kind, deleted ? 1 : 0, limit + 1)
        : this.read.get(`${select} AND o.name > ? ORDER BY o.name LIMIT ?`).all(vault, kind, deleted ? 1 : 0, after, limit + 1)
    ) as Row[];
    const items = rows.slice(0, limit).map((r) => {
      const latest = toVersion(r);
      return { latest, state: toState(r, latest.name) };
    });
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items, next: last ? String(last.key).toLowerCase() : null };
  }

  async listObjectVersions(
    vault: string,
    kind: ObjectKind,
    name: string,
    after: string | null,
    limit: number,
  ): Promise<Page<ObjectVersionRecord>> {
    const rows = this.read
      .get(
        `SELECT ${VERSION_COLUMNS} FROM object_versions v WHERE v.vault = ? AND v.kind = ? AND v.name = ? AND v.seq > ? ORDER BY v.seq LIMIT ?`,
      )
      .all(vault, kind, name, after === null ? 0 : Number(after), limit + 1) as Row[];
    const items = rows.slice(0, limit).map(toVersion);
    const last = rows.length > limit ? items[items.length - 1] : undefined;
    return { items, next: last ? String(last.seq) : null };
  }

  async allObjectVersions(vault: string, kind: ObjectKind, name: string): Promise<ObjectVersionRecord[]> {
    return (
      this.read
        .get(`SELECT ${VERSION_COLUMNS} FROM object_versions v WHERE v.vault = ? AND v.kind = ? AND v.name = ? ORDER BY v.seq`)
        .all(vault, kind, name) as Row[]
    ).map(toVersion);
  }

  setObjectDeleted(
    vault: string,
    kind: ObjectKind,
    name: string,
    deletedAt: number | null,
    scheduledPurge: number | null,
  ): Promise<boolean> {
    return this.write(
      () =>
        this.writer
          .get("UPDATE objects SET deleted_at = ?, scheduled_purge = ? WHERE vault = ? AND kind = ? AND name = ?")
          .run(deletedAt, scheduledPurge, vault, kind, name).changes === 1,
    );
  }

  purgeObject(vault: string, kind: ObjectKind, name: string): Promise<boolean> {
    return this.write(
      () =>
        this.#purging(this.writer.get("DELETE FROM objects WHERE vault = ? AND kind = ? AND name = ?").run(vault, kind, name).changes) ===
        1,
    );
  }

  purgeDueObjects(now: number): Promise<number> {
    return this.write(() =>
      this.#purging(this.writer.get("DELETE FROM objects WHERE scheduled_purge IS NOT NULL AND scheduled_purge <= ?").run(now).changes),
    );
  }

  /** Passes a purge's deleted row count through, telling the owner when there is something to erase. */
  #purging(deleted: number): number {
    if (deleted > 0) this.purged();
    return deleted;
  }

  async listObjectPolicies(kind: ObjectKind): Promise<{ vault: string; name: string; policy: string }[]> {
    const rows = this.read
      .get(
        "SELECT v.name AS vault, o.name, o.policy FROM objects o JOIN vaults v ON v.name = o.vault WHERE o.kind = ? AND o.policy IS NOT NULL AND o.deleted_at IS NULL AND v.deleted_at IS NULL ORDER BY o.vault, o.name",
      )
      .all(kind) as Row[];
    return rows.map((r) => ({ vault: String(r.vault), name: String(r.name), policy: String(r.policy) }));
  }

  async getObjectPolicy(vault: string, kind: ObjectKind, name: string): Promise<string | null> {
    const row = this.read.get("SELECT policy FROM objects WHERE vault = ? AND kind = ? AND name = ?").get(vault, kind, name) as
      Row | undefined;
    return row ? text(row.policy) : null;
  }

  setObjectPolicy(vault: string, kind: ObjectKind, name: string, policy: string): Promise<boolean> {
    return this.write(
      () =>
        this.writer.get("UPDATE objects SET policy = ? WHERE vault = ? AND kind = ? AND name = ?").run(policy, vault, kind, name)
          .changes === 1,
    );
  }

  async getVaultEntry(vault: string, kind: string, name: string): Promise<VaultEntry | undefined> {
    const row = this.read
      .get("SELECT vault, kind, name, value FROM vault_entries WHERE vault = ? AND kind = ? AND name = ?")
      .get(vault, kind, name) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  putVaultEntry(e: VaultEntry): Promise<VaultEntry> {
    return this.write(() =>
      toEntry(
        this.writer
          .get(
            `INSERT INTO vault_entries (vault, kind, name, value) VALUES (?, ?, ?, ?)
             ON CONFLICT (vault, kind, name) DO UPDATE SET value = excluded.value RETURNING vault, kind, name, value`,
          )
          .get(e.vault, e.kind, e.name, e.value) as Row,
      ),
    );
  }

  /** The entry's old bytes are erased from the file and the WAL, as a purged secret's are: it may have held a credential. */
  deleteVaultEntry(vault: string, kind: string, name: string): Promise<boolean> {
    return this.write(
      () =>
        this.#purging(
          this.writer.get("DELETE FROM vault_entries WHERE vault = ? AND kind = ? AND name = ?").run(vault, kind, name).changes,
        ) === 1,
    );
  }

  async listVaultEntries(vault: string, kind: string, after: string | null, limit: number): Promise<Page<VaultEntry>> {
    const select = "SELECT vault, kind, name, value FROM vault_entries WHERE vault = ? AND kind = ?";
    const rows = (
      after === null
        ? this.read.get(`${select} ORDER BY name LIMIT ?`).all(vault, kind, limit + 1)
        : this.read.get(`${select} AND name > ? ORDER BY name LIMIT ?`).all(vault, kind, after, limit + 1)
    ) as Row[];
    const items = rows.slice(0, limit).map(toEntry);
    const last = rows.length > limit ? items[limit - 1] : undefined;
    return { items, next: last ? last.name.toLowerCase() : null };
  }
}

const toEntry = (r: Row): VaultEntry => ({ vault: String(r.vault), kind: String(r.kind), name: String(r.name), value: r.value as Buffer });

const flag = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);
