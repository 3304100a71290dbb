import type {
  CredentialRecord,
  ObjectAttributes,
  ObjectKind,
  ObjectState,
  ObjectSummary,
  ObjectVersionRecord,
  Page,
  PrincipalRecord,
  VaultRecord,
} from "./records.js";

/**
 * The storage contract. Every adapter (SQLite now, PostgreSQL next) implements it and passes the suite in
 * test/contract/. Every method is asynchronous and atomic on its own; `transaction` groups several into one
 * atomic unit (read-your-writes inside, nothing visible outside until commit, nothing kept on a throw).
 * Object names and vault names compare without regard to case.
 */
export interface StoreOps {
  getMeta(key: string): Promise<Buffer | undefined>;
  /** Sets the value only when the key is absent; returns the value now stored. */
  initMeta(key: string, value: Buffer): Promise<Buffer>;

  createVault(vault: VaultRecord): Promise<boolean>;
  getVault(name: string): Promise<VaultRecord | undefined>;
  listVaults(): Promise<VaultRecord[]>;
  /** Removes the vault and everything in it. */
  deleteVault(name: string): Promise<boolean>;

  getObjectState(vault: string, kind: ObjectKind, name: string): Promise<ObjectState | undefined>;
  /** Adds a version (creating the object when new) and makes it the latest; assigns `seq`. */
  addObjectVersion(record: Omit<ObjectVersionRecord, "seq">): Promise<ObjectVersionRecord>;
  /** A version by id, or the latest when `version` is null, whether the object is soft-deleted or not. */
  getObjectVersion(vault: string, kind: ObjectKind, name: string, version: string | null): Promise<ObjectVersionRecord | undefined>;
  /** As getObjectVersion, but only while the object is not soft-deleted (one read on the hot path). */
  getLiveObjectVersion(vault: string, kind: ObjectKind, name: string, version: string | null): Promise<ObjectVersionRecord | undefined>;
  updateObjectVersion(
    vault: string,
    kind: ObjectKind,
    name: string,
    version: string,
    attributes: ObjectAttributes,
    updated: number,
  ): Promise<ObjectVersionRecord | undefined>;
  /** Objects in name order, active or soft-deleted, starting after the opaque position `after`. */
  listObjects(vault: string, kind: ObjectKind, deleted: boolean, after: string | null, limit: number): Promise<Page<ObjectSummary>>;
  /** Versions in creation order, starting after the opaque position `after`. */
  listObjectVersions(vault: string, kind: ObjectKind, name: string, after: string | null, limit: number): Promise<Page<ObjectVersionRecord>>;
  allObjectVersions(vault: string, kind: ObjectKind, name: string): Promise<ObjectVersionRecord[]>;
  setObjectDeleted(vault: string, kind: ObjectKind, name: string, deletedAt: number | null, scheduledPurge: number | null): Promise<boolean>;
  /** Removes the object, all its versions and its policy. */
  purgeObject(vault: string, kind: ObjectKind, name: string): Promise<boolean>;
  /** Purges soft-deleted objects whose scheduled purge date is at or before `now`; returns how many. */
  purgeDueObjects(now: number): Promise<number>;
  /** A per-object policy document (a key's rotation policy), JSON, or null when none was set. */
  getObjectPolicy(vault: string, kind: ObjectKind, name: string): Promise<string | null>;
  setObjectPolicy(vault: string, kind: ObjectKind, name: string, policy: string): Promise<boolean>;

  createPrincipal(principal: PrincipalRecord): Promise<void>;
  getPrincipal(id: string): Promise<PrincipalRecord | undefined>;
  listPrincipals(): Promise<PrincipalRecord[]>;
  deletePrincipal(id: string): Promise<boolean>;
  addCredential(credential: CredentialRecord): Promise<void>;
  listCredentials(principalId: string): Promise<CredentialRecord[]>;
}

export interface Store extends StoreOps {
  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
