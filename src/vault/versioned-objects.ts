import { randomBytes } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { type Envelope, openWithKey, sealWithKey } from "../crypto/envelope.js";
import type {
  ObjectAttributes,
  ObjectKind,
  ObjectState,
  ObjectSummary,
  ObjectVersionRecord,
  Page,
  VaultRecord,
} from "../storage/records.js";
import type { Store, StoreOps } from "../storage/store.js";
import { pauseIfDue } from "./time-slice.js";
import {
  badParameter,
  deletedObjectNotFound,
  forbidden,
  objectExists,
  objectInDeletedState,
  objectNotFound,
} from "../errors/key-vault-error.js";

/** A version as the API shows it, with its object's state where the operation reports it. */
export interface ObjectView {
  vault: VaultRecord;
  record: ObjectVersionRecord;
  state?: ObjectState;
}

export interface NewVersion extends ObjectAttributes {
  publicData: string | null;
  /** The confidential content (a secret's value, a key's private material), sealed by this class. */
  content: Buffer;
  /** The creation time, when the caller derived other attributes from it (a rotated key's expiry); else now. */
  created?: number;
}

interface BackupVersion extends ObjectAttributes {
  version: string;
  created: number;
  updated: number;
  publicData: string | null;
  content: string;
}

interface Backup {
  format: "keyhold-backup-1";
  kind: ObjectKind;
  name: string;
  policy: string | null;
  versions: BackupVersion[];
}

const SECONDS_PER_DAY = 86_400;
const BACKUP_MAGIC = Buffer.from("KHB1");

export const newVersionId = (): string => randomBytes(16).toString("hex");

/** A version whose content is already sealed under its identity. */
interface SealedVersion {
  name: string;
  version: string;
  attributes: Omit<NewVersion, "content" | "created">;
  created: number | undefined;
  sealed: Buffer;
}

/**
 * The lifecycle Azure gives secrets, keys and certificates alike: versions, soft delete with retention,
 * recover, purge, and backup/restore of all versions. Confidential content is sealed under the master key
 * with the version's identity as context; backups are sealed under a key derived for this kind of object,
 * so they restore only into this deployment.
 */
export class VersionedObjects {
  readonly #backupKey: Buffer;

  constructor(
    private readonly store: Store,
    private readonly envelope: Envelope,
    private readonly kind: ObjectKind,
    private readonly now: () => number,
  ) {
    this.#backupKey = envelope.deriveKey(`${kind}-backup`);
  }

  #context(vault: string, name: string, version: string): string {
    return `${this.kind}/${vault.toLowerCase()}/${name.toLowerCase()}/${version.toLowerCase()}`;
  }

  open(vault: VaultRecord, record: ObjectVersionRecord): Buffer {
    return this.envelope.open(record.sealed, this.#context(vault.name, record.name, record.version));
  }

  /** Adds a version inside `tx`; refuses a name that is soft-deleted (409, as Azure). */
  async addVersion(
    tx: StoreOps,
    vault: VaultRecord,
    name: string,
    input: NewVersion,
    version = newVersionId(),
  ): Promise<ObjectVersionRecord> {
    return this.#addSealed(tx, vault, this.#seal(vault, name, input, version));
  }

  #seal(vault: VaultRecord, name: string, input: NewVersion, version: string): SealedVersion {
    const { content, created, ...attributes } = input;
    return { name, version, attributes, created, sealed: this.envelope.seal(content, this.#context(vault.name, name, version)) };
  }

  async #addSealed(tx: StoreOps, vault: VaultRecord, item: SealedVersion): Promise<ObjectVersionRecord> {
    const { name, version, attributes, sealed } = item;
    const state = await tx.getObjectState(vault.name, this.kind, name);
    if (state?.deletedAt != null) throw objectInDeletedState(this.kind, state.name);
    const created = item.created ?? this.now();
    return tx.addObjectVersion({ ...attributes, vault: vault.name, kind: this.kind, name, version, created, updated: created, sealed });
  }

  create(vault: VaultRecord, name: string, input: NewVersion): Promise<ObjectVersionRecord> {
    return this.store.transaction((tx) => this.addVersion(tx, vault, name, input));
  }

  /**
   * New versions of several objects, all in one transaction: all are written, or none. A thousand items are
   * some 100 ms or more of synchronous work (an AES-GCM seal each, then SQLite statements that never leave the
   * event loop), which would stall every other request in every vault; so both loops hand the event loop back
   * about every 10 ms (time-slice.ts). The values are sealed before the transaction, as restore does, so that the store's
   * one writer (which other writes wait for while this transaction is open) is held only for the inserts.
   */
  async createMany(vault: VaultRecord, items: readonly { name: string; input: NewVersion }[]): Promise<ObjectVersionRecord[]> {
    const sealed: SealedVersion[] = [];
    for (const { name, input } of items) {
      await pauseIfDue();
      sealed.push(this.#seal(vault, name, input, newVersionId()));
    }
    return this.store.transaction(async (tx) => {
      const records: ObjectVersionRecord[] = [];
      for (const item of sealed) {
        await pauseIfDue();
        records.push(await this.#addSealed(tx, vault, item));
      }
      return records;
    });
  }

  /** A version of an object that is not soft-deleted, or 404. */
  async live(vault: VaultRecord, name: string, version: string | null): Promise<ObjectVersionRecord> {
    const record = await this.store.getLiveObjectVersion(vault.name, this.kind, name, version);
    if (!record) throw objectNotFound(this.kind, name, version ?? undefined);
    return record;
  }

  update(
    vault: VaultRecord,
    name: string,
    version: string | null,
    change: (current: ObjectVersionRecord) => ObjectAttributes,
  ): Promise<ObjectVersionRecord> {
    return this.store.transaction(async (tx) => {
      const current = await tx.getLiveObjectVersion(vault.name, this.kind, name, version);
      if (!current) throw objectNotFound(this.kind, name, version ?? undefined);
      const record = await tx.updateObjectVersion(vault.name, this.kind, name, current.version, change(current), this.now());
      return record!;
    });
  }

  list(vault: VaultRecord, deleted: boolean, after: string | null, limit: number): Promise<Page<ObjectSummary>> {
    return this.store.listObjects(vault.name, this.kind, deleted, after, limit);
  }

  async listVersions(vault: VaultRecord, name: string, after: string | null, limit: number): Promise<Page<ObjectVersionRecord>> {
    const state = await this.store.getObjectState(vault.name, this.kind, name);
    if (!state || state.deletedAt !== null) return { items: [], next: null };
    return this.store.listObjectVersions(vault.name, this.kind, name, after, limit);
  }

  delete(vault: VaultRecord, name: string): Promise<ObjectView> {
    const now = this.now();
    return this.store.transaction(async (tx) => {
      const state = await tx.getObjectState(vault.name, this.kind, name);
      if (!state || state.deletedAt !== null) throw objectNotFound(this.kind, name);
      const scheduledPurge = now + vault.retentionDays * SECONDS_PER_DAY;
      await tx.setObjectDeleted(vault.name, this.kind, name, now, scheduledPurge);
      const record = (await tx.getObjectVersion(vault.name, this.kind, name, null))!;
      return { vault, record, state: { ...state, deletedAt: now, scheduledPurge } };
    });
  }

  async getDeleted(vault: VaultRecord, name: string): Promise<ObjectView> {
    const state = await this.store.getObjectState(vault.name, this.kind, name);
    const record = state?.deletedAt != null ? await this.store.getObjectVersion(vault.name, this.kind, name, null) : undefined;
    if (!state || !record) throw deletedObjectNotFound(this.kind, name);
    return { vault, record, state };
  }

  recover(vault: VaultRecord, name: string): Promise<ObjectView> {
    return this.store.transaction(async (tx) => {
      const state = await tx.getObjectState(vault.name, this.kind, name);
      if (!state || state.deletedAt === null) throw deletedObjectNotFound(this.kind, name);
      await tx.setObjectDeleted(vault.name, this.kind, name, null, null);
      const record = (await tx.getObjectVersion(vault.name, this.kind, name, null))!;
      return { vault, record };
    });
  }

  async purge(vault: VaultRecord, name: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const state = await tx.getObjectState(vault.name, this.kind, name);
      if (!state || state.deletedAt === null) throw deletedObjectNotFound(this.kind, name);
      if (vault.purgeProtection) {
        throw forbidden(
          `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`,
        );
      }
      await tx.purgeObject(vault.name, this.kind, name);
    });
  }

  async backup(vault: VaultRecord, name: string): Promise<Buffer> {
    const state = await this.store.getObjectState(vault.name, this.kind, name);
    if (!state || state.deletedAt !== null) throw objectNotFound(this.kind, name);
    const versions = await this.store.allObjectVersions(vault.name, this.kind, name);
    const backup: Backup = {
      format: "keyhold-backup-1",
      kind: this.kind,
      name: state.name,
      policy: await this.store.getObjectPolicy(vault.name, this.kind, name),
      versions: versions.map((r) => ({
        version: r.version,
        created: r.created,
        updated: r.updated,
        enabled: r.enabled,
        notBefore: r.notBefore,
        expires: r.expires,
        tags: r.tags,
        contentType: r.contentType,
        keyOps: r.keyOps,
        publicData: r.publicData,
        content: this.open(vault, r).toString("base64"),
      })),
    };
    const plain = gzipSync(Buffer.from(JSON.stringify(backup), "utf8"));
    return Buffer.concat([BACKUP_MAGIC, sealWithKey(this.#backupKey, plain, `backup/${this.kind}`)]);
  }

  /**
   * Restores every version with its id and dates; 409 when the name exists, live or soft-deleted. `check` sees
   * the backup's versions before anything is written, to refuse what this vault may not hold.
   */
  async restore(
    vault: VaultRecord,
    blob: Buffer,
    check: (name: string, versions: readonly { publicData: string | null }[]) => void = () => {},
  ): Promise<ObjectView> {
    const backup = this.#readBackup(blob);
    check(backup.name, backup.versions);
    const sealed = backup.versions.map((v) => ({
      ...v,
      sealed: this.envelope.seal(Buffer.from(v.content, "base64"), this.#context(vault.name, backup.name, v.version)),
    }));
    const record = await this.store.transaction(async (tx) => {
      const state = await tx.getObjectState(vault.name, this.kind, backup.name);
      if (state) throw state.deletedAt !== null ? objectInDeletedState(this.kind, state.name) : objectExists(this.kind, state.name);
      let last: ObjectVersionRecord | undefined;
      for (const { content: _content, ...v } of sealed) {
        last = await tx.addObjectVersion({ ...v, vault: vault.name, kind: this.kind, name: backup.name });
      }
      if (backup.policy !== null) await tx.setObjectPolicy(vault.name, this.kind, backup.name, backup.policy);
      return last!;
    });
    return { vault, record };
  }

  #readBackup(blob: Buffer): Backup {
    // Azure's own words, whatever the cause (tampered, another deployment's, another kind's): SDK tests compare them.
    const invalid = () => badParameter("Backup blob contains invalid or corrupt version.");
    if (blob.length <= BACKUP_MAGIC.length || !blob.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC)) throw invalid();
    let backup: Backup;
    try {
      const plain = openWithKey(this.#backupKey, blob.subarray(BACKUP_MAGIC.length), `backup/${this.kind}`);
      backup = JSON.parse(gunzipSync(plain).toString("utf8")) as Backup;
    } catch {
      // Authentication failure, corrupt compression or JSON: one answer, whatever the cause.
      throw invalid();
    }
    if (backup.format !== "keyhold-backup-1" || backup.kind !== this.kind || backup.versions.length === 0) throw invalid();
    return backup;
  }
}
