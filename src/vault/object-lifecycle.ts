import { randomBytes } from "node:crypto";
import type { Envelope } from "../crypto/envelope.js";
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
import { type Backup, openBackup, sealBackup } from "./object-backup.js";
import { mapSliced, pauseIfDue } from "./time-slice.js";
import { deletedObjectNotFound, forbidden, objectExists, objectInDeletedState, objectNotFound } from "../errors/key-vault-error.js";

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
  /** Whether another object (a certificate) owns this one's lifetime; false when absent. */
  managed?: boolean;
  /** A token key's reference; absent for content sealed here. */
  backendRef?: string;
}

/** What differs between kinds of objects in the shared lifecycle. */
export interface LifecycleRules<V extends ObjectView> {
  kind: ObjectKind;
  /** The kind's view of a version (a key adds its description). */
  view(vault: VaultRecord, record: ObjectVersionRecord, state?: ObjectState): V;
  /** A get of a live version: the view, or what the kind adds (a secret's value) or refuses (a disabled secret). */
  read?(vault: VaultRecord, record: ObjectVersionRecord, open: () => Buffer): V;
  /** Refuses attributes this kind may not have, after an update's patch is applied. */
  checkAttributes(next: ObjectAttributes): void;
  /** Refuses a backup of versions whose content is not all here (keys held in an HSM's token). */
  checkBackup?(name: string, versions: readonly ObjectVersionRecord[]): void;
  /** Sees a backup's versions before anything is restored, to refuse what the vault may not hold. */
  checkRestore?(vault: VaultRecord, name: string, versions: readonly { publicData: string | null }[]): void;
}

const SECONDS_PER_DAY = 86_400;
const MANAGED_CODE: Record<ObjectKind, string> = {
  secret: "SecretManagedByKeyVault",
  key: "KeyManagedByKeyVault",
  certificate: "CertificateManagedByKeyVault",
};

/** The operation a refused new version of a managed object is named by in the 403, as update and delete are. */
const NEW_VERSION_OPERATION: Record<ObjectKind, string> = { secret: "set", key: "create", certificate: "create" };

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
 * The lifecycle Azure gives secrets, keys and certificates alike: versions, attributes, soft delete with
 * retention, recover, purge, backup/restore of all versions, and paged lists. Confidential content is sealed
 * under the master key with the version's identity as context; backups are sealed under a key derived for this
 * kind of object, so they restore only into this deployment.
 *
 * The methods whose names end in `In` take the store transaction, so that one caller writes, deletes, recovers
 * or purges several objects (a certificate, its key and its secret) at once; the others are what a client asks
 * for directly, each in a transaction of its own, and those refuse objects whose lifetime another object owns.
 */
export class ObjectLifecycle<V extends ObjectView> {
  /** The backup key derived from each master key, the current one's first (it seals; any of them opens). */
  readonly #backupKeys: Buffer[];
  readonly kind: ObjectKind;

  constructor(
    private readonly store: Store,
    private readonly envelope: Envelope,
    private readonly now: () => number,
    private readonly rules: LifecycleRules<V>,
  ) {
    this.kind = rules.kind;
    this.#backupKeys = envelope.derivedKeys(`${rules.kind}-backup`);
  }

  #context(vault: string, name: string, version: string): string {
    return `${this.kind}/${vault.toLowerCase()}/${name.toLowerCase()}/${version.toLowerCase()}`;
  }

  open(vault: VaultRecord, record: ObjectVersionRecord): Buffer {
    return this.envelope.open(record.sealed, this.#context(vault.name, record.name, record.version));
  }

  /** Azure's answer to a direct update or delete of an object whose lifetime a certificate owns. */
  #refuseManaged(record: ObjectVersionRecord | undefined, operation: string): void {
    if (record?.managed) {
      throw forbidden(
        `Operation "${operation}" is not allowed as this object's lifetime is managed by Key Vault.`,
        MANAGED_CODE[this.kind],
      );
    }
  }

  // Primitives inside a caller's transaction ----------------------------------------------------------------

  /** Adds a version inside `tx`; refuses a name that is soft-deleted (409, as Azure). */
  addVersion(tx: StoreOps, vault: VaultRecord, name: string, input: NewVersion, version = newVersionId()): Promise<ObjectVersionRecord> {
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
    const record = {
      managed: false,
      ...attributes,
      backendRef: attributes.backendRef ?? null,
      vault: vault.name,
      kind: this.kind,
      name,
      version,
      created,
      updated: created,
      sealed,
    };
    return tx.addObjectVersion(record);
  }

  /** Changes a live version's attributes (the latest when `version` is null) to what `change` makes of them. */
  async updateIn(
    tx: StoreOps,
    vault: VaultRecord,
    name: string,
    version: string | null,
    change: (current: ObjectVersionRecord) => ObjectAttributes,
  ): Promise<ObjectVersionRecord> {
    const current = await tx.getLiveObjectVersion(vault.name, this.kind, name, version);
    if (!current) throw objectNotFound(this.kind, name, version ?? undefined);
    return (await tx.updateObjectVersion(vault.name, this.kind, name, current.version, change(current), this.now()))!;
  }

  /** Soft-deletes a live object until the vault's retention ends. */
  async deleteIn(tx: StoreOps, vault: VaultRecord, name: string): Promise<V> {
    const now = this.now();
    const state = await tx.getObjectState(vault.name, this.kind, name);
    if (!state || state.deletedAt !== null) throw objectNotFound(this.kind, name);
    const scheduledPurge = now + vault.retentionDays * SECONDS_PER_DAY;
    await tx.setObjectDeleted(vault.name, this.kind, name, now, scheduledPurge);
    const record = (await tx.getObjectVersion(vault.name, this.kind, name, null))!;
    return this.rules.view(vault, record, { ...state, deletedAt: now, scheduledPurge });
  }

  async recoverIn(tx: StoreOps, vault: VaultRecord, name: string): Promise<V> {
    const state = await tx.getObjectState(vault.name, this.kind, name);
    if (!state || state.deletedAt === null) throw deletedObjectNotFound(this.kind, name);
    await tx.setObjectDeleted(vault.name, this.kind, name, null, null);
    return this.rules.view(vault, (await tx.getObjectVersion(vault.name, this.kind, name, null))!);
  }

  async purgeIn(tx: StoreOps, vault: VaultRecord, name: string): Promise<void> {
    const state = await tx.getObjectState(vault.name, this.kind, name);
    if (!state || state.deletedAt === null) throw deletedObjectNotFound(this.kind, name);
    if (vault.purgeProtection) {
      throw forbidden(
        `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`,
      );
    }
    await tx.purgeObject(vault.name, this.kind, name);
  }

  /**
   * Writes every version of a backup with its id and dates; 409 when the name exists, live or soft-deleted. A backup
   * may hold hundreds of versions: the seals and the inserts give the event loop back as they go (time-slice.ts).
   */
  async restoreIn(tx: StoreOps, vault: VaultRecord, backup: Backup): Promise<V> {
    const state = await tx.getObjectState(vault.name, this.kind, backup.name);
    if (state) throw state.deletedAt !== null ? objectInDeletedState(this.kind, state.name) : objectExists(this.kind, state.name);
    const sealed = await mapSliced(backup.versions, ({ content, managed, ...v }) => ({
      ...v,
      managed: managed ?? false,
      backendRef: null,
      sealed: this.envelope.seal(Buffer.from(content, "base64"), this.#context(vault.name, backup.name, v.version)),
    }));
    let last: ObjectVersionRecord | undefined;
    for (const v of sealed) {
      await pauseIfDue();
      last = await tx.addObjectVersion({ ...v, vault: vault.name, kind: this.kind, name: backup.name });
    }
    if (backup.policy !== null) await tx.setObjectPolicy(vault.name, this.kind, backup.name, backup.policy);
    return this.rules.view(vault, last!);
  }

  /** Every version of a live object, opened (pausing between versions), with its policy: what a backup blob carries. */
  async backupOf(
    reader: Pick<StoreOps, "getObjectState" | "allObjectVersions" | "getObjectPolicy">,
    vault: VaultRecord,
    name: string,
  ): Promise<Backup> {
    const state = await reader.getObjectState(vault.name, this.kind, name);
    if (!state || state.deletedAt !== null) throw objectNotFound(this.kind, name);
    const versions = await reader.allObjectVersions(vault.name, this.kind, name);
    this.rules.checkBackup?.(state.name, versions);
    const backup: Backup = {
      format: "keyhold-backup-1",
      kind: this.kind,
      name: state.name,
      policy: await reader.getObjectPolicy(vault.name, this.kind, name),
      versions: await mapSliced(versions, (r) => ({
        version: r.version,
        created: r.created,
        updated: r.updated,
        enabled: r.enabled,
        notBefore: r.notBefore,
        expires: r.expires,
        tags: r.tags,
        contentType: r.contentType,
        keyOps: r.keyOps,
        managed: r.managed,
        publicData: r.publicData,
        content: this.open(vault, r).toString("base64"),
      })),
    };
    return backup;
  }

  // What clients ask for, each in its own transaction ----------------------------------------------------

  /** A new version; refused for an object whose lifetime a certificate owns, which only the certificate adds to. */
  create(vault: VaultRecord, name: string, input: NewVersion, version = newVersionId()): Promise<V> {
    return this.store.transaction(async (tx) => {
      this.#refuseManaged(await tx.getLiveObjectVersion(vault.name, this.kind, name, null), NEW_VERSION_OPERATION[this.kind]);
      return this.rules.view(vault, await this.addVersion(tx, vault, name, input, version));
    });
  }

  /**
   * New versions of several objects, all in one transaction: all are written, or none. A thousand items are
   * some 100 ms or more of synchronous work (an AES-GCM seal each, then SQLite statements that never leave the
   * event loop), which would stall every other request in every vault; so both loops hand the event loop back
   * about every 10 ms (time-slice.ts). The values are sealed before the transaction, so that the store's one
   * writer (which other writes wait for while this transaction is open) is held only for the inserts.
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
        this.#refuseManaged(await tx.getLiveObjectVersion(vault.name, this.kind, item.name, null), NEW_VERSION_OPERATION[this.kind]);
        records.push(await this.#addSealed(tx, vault, item));
      }
      return records;
    });
  }

  /** The kind's view of a version just written. */
  viewOf(vault: VaultRecord, record: ObjectVersionRecord): V {
    return this.rules.view(vault, record);
  }

  /** A version of an object that is not soft-deleted, or 404. */
  async live(vault: VaultRecord, name: string, version: string | null): Promise<ObjectVersionRecord> {
    const record = await this.store.getLiveObjectVersion(vault.name, this.kind, name, version);
    if (!record) throw objectNotFound(this.kind, name, version ?? undefined);
    return record;
  }

  async get(vault: VaultRecord, name: string, version: string | null): Promise<V> {
    const record = await this.live(vault, name, version);
    return this.rules.read ? this.rules.read(vault, record, () => this.open(vault, record)) : this.rules.view(vault, record);
  }

  /** Only the attributes in `patch` change; the kind's rules see the result before it is written. */
  update(vault: VaultRecord, name: string, version: string | null, patch: Partial<ObjectAttributes>): Promise<V> {
    return this.store.transaction(async (tx) => {
      const record = await this.updateIn(tx, vault, name, version, (current) => {
        this.#refuseManaged(current, "update");
        const next = { ...current, ...patch };
        this.rules.checkAttributes(next);
        return next;
      });
      return this.rules.view(vault, record);
    });
  }

  list(vault: VaultRecord, after: string | null, limit: number): Promise<Page<ObjectSummary>> {
    return this.store.listObjects(vault.name, this.kind, false, after, limit);
  }

  listDeleted(vault: VaultRecord, after: string | null, limit: number): Promise<Page<ObjectSummary>> {
    return this.store.listObjects(vault.name, this.kind, true, after, limit);
  }

  async listVersions(vault: VaultRecord, name: string, after: string | null, limit: number): Promise<Page<ObjectVersionRecord>> {
    const state = await this.store.getObjectState(vault.name, this.kind, name);
    if (!state || state.deletedAt !== null) return { items: [], next: null };
    return this.store.listObjectVersions(vault.name, this.kind, name, after, limit);
  }

  delete(vault: VaultRecord, name: string): Promise<V> {
    return this.store.transaction(async (tx) => {
      this.#refuseManaged(await tx.getLiveObjectVersion(vault.name, this.kind, name, null), "delete");
      return this.deleteIn(tx, vault, name);
    });
  }

  async getDeleted(vault: VaultRecord, name: string): Promise<V> {
    const state = await this.store.getObjectState(vault.name, this.kind, name);
    const record = state?.deletedAt != null ? await this.store.getObjectVersion(vault.name, this.kind, name, null) : undefined;
    if (!state || !record) throw deletedObjectNotFound(this.kind, name);
    return this.rules.view(vault, record, state);
  }

  recover(vault: VaultRecord, name: string): Promise<V> {
    return this.store.transaction((tx) => this.recoverIn(tx, vault, name));
  }

  purge(vault: VaultRecord, name: string): Promise<void> {
    return this.store.transaction((tx) => this.purgeIn(tx, vault, name));
  }

  /** All versions, sealed under a key derived from this deployment's master key: restorable only here. */
  async backup(vault: VaultRecord, name: string): Promise<Buffer> {
    return sealBackup(this.#backupKeys[0]!, await this.backupContents(vault, name));
  }

  /** What a backup carries: this object's versions (a certificate adds its key's and its secret's). */
  protected backupContents(vault: VaultRecord, name: string): Promise<Backup> {
    return this.backupOf(this.store, vault, name);
  }

  /** Restores every version with its id and dates; the kind's rules see the versions before anything is written. */
  async restore(vault: VaultRecord, blob: Buffer): Promise<V> {
    const backup = await openBackup(this.#backupKeys, this.kind, blob);
    this.checkRestorable(vault, backup);
    return this.store.transaction((tx) => this.restoreIn(tx, vault, backup));
  }

  /** Refuses a backup whose versions this vault may not hold (an -HSM key in a standard vault). */
  checkRestorable(vault: VaultRecord, backup: Backup): void {
    this.rules.checkRestore?.(vault, backup.name, backup.versions);
  }
}
