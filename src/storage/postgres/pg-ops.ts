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
import { PgSealedOps } from "./pg-sealed-ops.js";
import { type Row, jsonOrNull, num, text, toDeletedVault, toVault, toVersion } from "../row-mappers.js";
import { key } from "./pg-base.js";
import { checkedBackendRef } from "../backend-ref.js";

const toState = (r: Row): ObjectState => ({
  vault: String(r.vault),
  kind: r.kind as ObjectKind,
  name: String(r.display_name),
  deletedAt: num(r.deleted_at),
  scheduledPurge: num(r.scheduled_purge),
});

/** The version's columns, with the object's name as first written (`display_name`). */
const VERSION = `v.vault, v.kind, v.version, v.seq, o.name AS display_name, v.created, v.updated, v.enabled, v.not_before, v.expires,
  v.tags, v.content_type, v.key_ops, v.public_data, v.sealed, v.managed, v.backend_ref`;
const JOIN = "objects o JOIN object_versions v ON v.vault_key = o.vault_key AND v.kind = o.kind AND v.name_key = o.name_key";
const LATEST = `${JOIN} AND v.version_key = lower(o.latest_version)`;

/** The two-key advisory lock space of objects (distinct from the one-key locks of migration and leadership). */
const OBJECT_LOCK_SPACE = 0x6b686f62; // "khob"

/**
 * Takes an object's advisory lock until the transaction ends, given its keys as SQL expressions: held by
 * whatever creates the object, so that a transaction on one object that is not there yet can wait for it.
 */
export const objectLock = (vault: string, kind: string, name: string): string =>
  `SELECT pg_advisory_xact_lock(${OBJECT_LOCK_SPACE}, hashtext(${vault} || '/' || ${kind} || '/' || ${name}))`;

/** Parameters: the four keys, vault, version, name as written, then the version's columns from `created` on. */
const ADD_VERSION = `
  WITH locked AS (${objectLock("$1", "$2", "$3")}), object AS (
    INSERT INTO objects (vault_key, kind, name_key, name, next_seq, latest_version)
    SELECT $1, $2, $3, $7, 1, $6 FROM locked
    WHERE NOT EXISTS (SELECT 1 FROM object_versions WHERE vault_key = $1 AND kind = $2 AND name_key = $3 AND version_key = $4)
    ON CONFLICT (vault_key, kind, name_key) DO UPDATE SET next_seq = objects.next_seq + 1, latest_version = excluded.latest_version
    RETURNING next_seq, name
  ), added AS (
    INSERT INTO object_versions (vault_key, kind, name_key, version_key, vault, version, seq, created, updated, enabled, not_before,
      expires, tags, content_type, key_ops, public_data, sealed, managed, backend_ref)
    SELECT $1, $2, $3, $4, $5, $6, next_seq, $8::bigint, $9::bigint, $10::boolean, $11::bigint, $12::bigint, $13::text, $14::text,
      $15::text, $16::text, $17::bytea, $18::boolean, $19::text
    FROM object
  )
  SELECT next_seq, name FROM object`;

/** What adding a version the object has already answers: a unique violation, as PostgreSQL's own would be. */
function duplicateVersion(): Error {
  return Object.assign(new Error("duplicate key value violates unique constraint: the object has a version with this id"), {
    code: "23505",
  });
}

/** The store's operations over PostgreSQL: meta, vaults and versioned objects here; principals and access in the base. */
export class PgOps extends PgSealedOps implements StoreOps {
  async getMeta(k: string): Promise<Buffer | undefined> {
    return (await this.one("SELECT value FROM meta WHERE key = $1", [k]))?.value as Buffer | undefined;
  }

  async initMeta(k: string, value: Buffer): Promise<Buffer> {
    await this.target.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [k, value]);
    return (await this.one("SELECT value FROM meta WHERE key = $1", [k]))!.value as Buffer;
  }

  async createVault(v: VaultRecord): Promise<boolean> {
    return (
      (await this.changed(
        `INSERT INTO vaults (name_key, name, created_at, retention_days, purge_protection, enable_rbac, sku, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name_key) DO NOTHING`,
        [key(v.name), v.name, v.createdAt, v.retentionDays, v.purgeProtection, v.enableRbacAuthorization, v.sku, v.createdBy],
      )) === 1
    );
  }

  getVault(name: string): Promise<VaultRecord | undefined> {
    return this.cached(`vault\0${key(name)}`, async () => {
      const row = await this.one("SELECT * FROM vaults WHERE name_key = $1 AND deleted_at IS NULL", [key(name)]);
      return row ? toVault(row) : undefined;
    });
  }

  async updateVault(name: string, change: VaultChange): Promise<VaultRecord | undefined> {
    const row = await this.one(
      "UPDATE vaults SET enable_rbac = coalesce($1, enable_rbac), purge_protection = coalesce($2, purge_protection), sku = coalesce($3, sku) WHERE name_key = $4 AND deleted_at IS NULL RETURNING *",
      [change.enableRbacAuthorization ?? null, change.purgeProtection ?? null, change.sku ?? null, key(name)],
    );
    return row ? toVault(row) : undefined;
  }

  async listVaults(): Promise<VaultRecord[]> {
    return (await this.all('SELECT * FROM vaults WHERE deleted_at IS NULL ORDER BY name_key COLLATE "C"')).map(toVault);
  }

  async softDeleteVault(name: string, deletedAt: number, scheduledPurge: number): Promise<boolean> {
    return (
      (await this.changed("UPDATE vaults SET deleted_at = $1, scheduled_purge = $2 WHERE name_key = $3 AND deleted_at IS NULL", [
        deletedAt,
        scheduledPurge,
        key(name),
      ])) === 1
    );
  }

  async getDeletedVault(name: string): Promise<DeletedVaultRecord | undefined> {
    const row = await this.one("SELECT * FROM vaults WHERE name_key = $1 AND deleted_at IS NOT NULL", [key(name)]);
    return row ? toDeletedVault(row) : undefined;
  }

  async listDeletedVaults(): Promise<DeletedVaultRecord[]> {
    return (await this.all('SELECT * FROM vaults WHERE deleted_at IS NOT NULL ORDER BY name_key COLLATE "C"')).map(toDeletedVault);
  }

  async recoverVault(name: string): Promise<VaultRecord | undefined> {
    const row = await this.one(
      "UPDATE vaults SET deleted_at = NULL, scheduled_purge = NULL WHERE name_key = $1 AND deleted_at IS NOT NULL RETURNING *",
      [key(name)],
    );
    return row ? toVault(row) : undefined;
  }

  /** The foreign keys' ON DELETE CASCADE removes the objects, their versions, the access policies and the vault's role assignments. */
  async purgeVault(name: string): Promise<boolean> {
    return (await this.changed("DELETE FROM vaults WHERE name_key = $1 AND deleted_at IS NOT NULL", [key(name)])) === 1;
  }

  purgeDueVaults(now: number): Promise<number> {
    return this.changed("DELETE FROM vaults WHERE deleted_at IS NOT NULL AND scheduled_purge IS NOT NULL AND scheduled_purge <= $1", [now]);
  }

  async getObjectState(vault: string, kind: ObjectKind, name: string): Promise<ObjectState | undefined> {
    const row = await this.one(
      "SELECT (SELECT name FROM vaults WHERE name_key = o.vault_key) AS vault, o.kind, o.name AS display_name, o.deleted_at, o.scheduled_purge FROM objects o WHERE o.vault_key = $1 AND o.kind = $2 AND o.name_key = $3",
      [key(vault), kind, key(name)],
    );
    return row ? toState(row) : undefined;
  }

  /**
   * One statement: it takes the object's row lock and the next sequence number (so concurrent writers get
   * distinct, ordered versions) and adds the version; or, when the object has that version already, does nothing
   * and is refused here. A statement that does not fail needs no savepoint inside a transaction, and one statement
   * is one round trip.
   */
  async addObjectVersion(r: Omit<ObjectVersionRecord, "seq">): Promise<ObjectVersionRecord> {
    const row = await this.one(ADD_VERSION, [
      key(r.vault),
      r.kind,
      key(r.name),
      key(r.version),
      r.vault,
      r.version,
      r.name,
      r.created,
      r.updated,
      r.enabled,
      r.notBefore,
      r.expires,
      jsonOrNull(r.tags),
      r.contentType,
      jsonOrNull(r.keyOps),
      r.publicData,
      r.sealed,
      r.managed,
      checkedBackendRef(r.backendRef),
    ]);
    if (!row) throw duplicateVersion();
    return { ...r, name: String(row.name), seq: Number(row.next_seq) };
  }

  getObjectVersion(vault: string, kind: ObjectKind, name: string, version: string | null): Promise<ObjectVersionRecord | undefined> {
    return this.#version(vault, kind, name, version, false);
  }

  getLiveObjectVersion(vault: string, kind: ObjectKind, name: string, version: string | null): Promise<ObjectVersionRecord | undefined> {
    const cacheKey = `${key(vault)}\0${kind}\0${key(name)}\0${version === null ? "" : key(version)}`;
    return this.cached(cacheKey, () => this.#version(vault, kind, name, version, true));
  }

  async #version(
    vault: string,
    kind: ObjectKind,
    name: string,
    version: string | null,
    liveOnly: boolean,
  ): Promise<ObjectVersionRecord | undefined> {
    const live = liveOnly ? " AND o.deleted_at IS NULL" : "";
    const row =
      version === null
        ? await this.one(`SELECT ${VERSION} FROM ${LATEST} WHERE o.vault_key = $1 AND o.kind = $2 AND o.name_key = $3${live}`, [
            key(vault),
            kind,
            key(name),
          ])
        : await this.one(
            `SELECT ${VERSION} FROM ${JOIN} WHERE o.vault_key = $1 AND o.kind = $2 AND o.name_key = $3 AND v.version_key = $4${live}`,
            [key(vault), kind, key(name), key(version)],
          );
    return row ? toVersion(row) : undefined;
  }

  async updateObjectVersion(
    vault: string,
    kind: ObjectKind,
    name: string,
    version: string,
    a: ObjectAttributes,
    updated: number,
  ): Promise<ObjectVersionRecord | undefined> {
    const changed = await this.changed(
      // The object's row is locked first, as by every write to an object (a transaction on one object relies on it).
      `WITH object AS (SELECT 1 FROM objects WHERE vault_key = $8 AND kind = $9 AND name_key = $10 FOR UPDATE)
       UPDATE object_versions SET enabled = $1, not_before = $2, expires = $3, tags = $4, content_type = $5, key_ops = $6, updated = $7
       WHERE vault_key = $8 AND kind = $9 AND name_key = $10 AND version_key = $11 AND EXISTS (SELECT 1 FROM object)`,
      [
        a.enabled,
        a.notBefore,
        a.expires,
        jsonOrNull(a.tags),
        a.contentType,
        jsonOrNull(a.keyOps),
        updated,
        key(vault),
        kind,
        key(name),
        key(version),
      ],
    );
    return changed === 1 ? this.#version(vault, kind, name, version, false) : undefined;
  }

  async listObjects(vault: string, kind: ObjectKind, deleted: boolean, after: string | null, limit: number): Promise<Page<ObjectSummary>> {
    const select = `SELECT o.name_key AS position, o.deleted_at, o.scheduled_purge, ${VERSION} FROM ${LATEST}
      WHERE o.vault_key = $1 AND o.kind = $2 AND (o.deleted_at IS NOT NULL) = $3`;
    const rows =
      after === null
        ? await this.all(`${select} ORDER BY o.name_key COLLATE "C" LIMIT $4`, [key(vault), kind, deleted, limit + 1])
        : await this.all(`${select} AND o.name_key COLLATE "C" > $5 ORDER BY o.name_key COLLATE "C" LIMIT $4`, [
            key(vault),
            kind,
            deleted,
            limit + 1,
            after,
          ]);
    const items = rows.slice(0, limit).map((r) => ({ latest: toVersion(r), state: { ...toState(r), vault: String(r.vault) } }));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items, next: last ? String(last.position) : null };
  }

  async listObjectVersions(
    vault: string,
    kind: ObjectKind,
    name: string,
    after: string | null,
    limit: number,
  ): Promise<Page<ObjectVersionRecord>> {
    const rows = await this.all(
      `SELECT ${VERSION} FROM ${JOIN} WHERE o.vault_key = $1 AND o.kind = $2 AND o.name_key = $3 AND v.seq > $4 ORDER BY v.seq LIMIT $5`,
      [key(vault), kind, key(name), after === null ? 0 : Number(after), limit + 1],
    );
    const items = rows.slice(0, limit).map(toVersion);
    const last = rows.length > limit ? items[items.length - 1] : undefined;
    return { items, next: last ? String(last.seq) : null };
  }

  async allObjectVersions(vault: string, kind: ObjectKind, name: string): Promise<ObjectVersionRecord[]> {
    return (
      await this.all(`SELECT ${VERSION} FROM ${JOIN} WHERE o.vault_key = $1 AND o.kind = $2 AND o.name_key = $3 ORDER BY v.seq`, [
        key(vault),
        kind,
        key(name),
      ])
    ).map(toVersion);
  }

  async setObjectDeleted(
    vault: string,
    kind: ObjectKind,
    name: string,
    deletedAt: number | null,
    scheduledPurge: number | null,
  ): Promise<boolean> {
    return (
      (await this.changed("UPDATE objects SET deleted_at = $1, scheduled_purge = $2 WHERE vault_key = $3 AND kind = $4 AND name_key = $5", [
        deletedAt,
        scheduledPurge,
        key(vault),
        kind,
        key(name),
      ])) === 1
    );
  }

  async purgeObject(vault: string, kind: ObjectKind, name: string): Promise<boolean> {
    return (
      (await this.changed("DELETE FROM objects WHERE vault_key = $1 AND kind = $2 AND name_key = $3", [key(vault), kind, key(name)])) === 1
    );
  }

  purgeDueObjects(now: number): Promise<number> {
    return this.changed("DELETE FROM objects WHERE scheduled_purge IS NOT NULL AND scheduled_purge <= $1", [now]);
  }

  async listObjectPolicies(kind: ObjectKind): Promise<{ vault: string; name: string; policy: string }[]> {
    const rows = await this.all(
      `SELECT v.name AS vault, o.name, o.policy FROM objects o JOIN vaults v ON v.name_key = o.vault_key
       WHERE o.kind = $1 AND o.policy IS NOT NULL AND o.deleted_at IS NULL AND v.deleted_at IS NULL ORDER BY o.vault_key COLLATE "C", o.name_key COLLATE "C"`,
      [kind],
    );
    return rows.map((r) => ({ vault: String(r.vault), name: String(r.name), policy: String(r.policy) }));
  }

  async getObjectPolicy(vault: string, kind: ObjectKind, name: string): Promise<string | null> {
    return text(
      (await this.one("SELECT policy FROM objects WHERE vault_key = $1 AND kind = $2 AND name_key = $3", [key(vault), kind, key(name)]))
        ?.policy,
    );
  }

  async setObjectPolicy(vault: string, kind: ObjectKind, name: string, policy: string): Promise<boolean> {
    return (
      (await this.changed("UPDATE objects SET policy = $1 WHERE vault_key = $2 AND kind = $3 AND name_key = $4", [
        policy,
        key(vault),
        kind,
        key(name),
      ])) === 1
    );
  }

  async getVaultEntry(vault: string, kind: string, name: string): Promise<VaultEntry | undefined> {
    const row = await this.one("SELECT vault, kind, name, value FROM vault_entries WHERE vault_key = $1 AND kind = $2 AND name_key = $3", [
      key(vault),
      kind,
      key(name),
    ]);
    return row ? toEntry(row) : undefined;
  }

  async putVaultEntry(e: VaultEntry): Promise<VaultEntry> {
    const row = await this.one(
      `INSERT INTO vault_entries (vault_key, kind, name_key, vault, name, value) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (vault_key, kind, name_key) DO UPDATE SET value = excluded.value RETURNING vault, kind, name, value`,
      [key(e.vault), e.kind, key(e.name), e.vault, e.name, e.value],
    );
    return toEntry(row!);
  }

  async deleteVaultEntry(vault: string, kind: string, name: string): Promise<boolean> {
    return (
      (await this.changed("DELETE FROM vault_entries WHERE vault_key = $1 AND kind = $2 AND name_key = $3", [
        key(vault),
        kind,
        key(name),
      ])) === 1
    );
  }

  async listVaultEntries(vault: string, kind: string, after: string | null, limit: number): Promise<Page<VaultEntry>> {
    const select = "SELECT vault, kind, name, value, name_key FROM vault_entries WHERE vault_key = $1 AND kind = $2";
    const rows =
      after === null
        ? await this.all(`${select} ORDER BY name_key COLLATE "C" LIMIT $3`, [key(vault), kind, limit + 1])
        : await this.all(`${select} AND name_key COLLATE "C" > $4 ORDER BY name_key COLLATE "C" LIMIT $3`, [
            key(vault),
            kind,
            limit + 1,
            after,
          ]);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items: rows.slice(0, limit).map(toEntry), next: last ? String(last.name_key) : null };
  }
}

const toEntry = (r: Row): VaultEntry => ({ vault: String(r.vault), kind: String(r.kind), name: String(r.name), value: r.value as Buffer });
