import type {
  AccessPolicyRecord,
  AuthRecord,
  AuthRecordKind,
  CredentialRecord,
  DeletedVaultRecord,
  ObjectAttributes,
  ObjectKind,
  ObjectState,
  ObjectSummary,
  ObjectVersionRecord,
  Page,
  PrincipalRecord,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  VaultRecord,
} from "./records.js";
import type { StoreMetrics } from "./store-metrics.js";

/**
 * A small per-vault setting kept sealed by the vault layer (a certificate issuer, the certificate contacts): one
 * value per vault, kind and name. It lives and dies with its vault; `name` keeps the case it was first written in.
 */
export interface VaultEntry {
  vault: string;
  kind: string;
  name: string;
  value: Buffer;
}

/** A table with a column sealed under the master key (meta holds other values too: the caller knows which are sealed). */
export type SealedTable = "meta" | "vault_entries" | "object_versions";

/**
 * One sealed value and its row's primary key, for re-wrapping under a new master key: meta `[key]`, vault_entries
 * `[vault, kind, name]`, object_versions `[vault, kind, name, version]`. Names may come back lower-cased.
 */
export interface SealedRecord {
  table: SealedTable;
  key: string[];
  sealed: Buffer;
}

/** What a vault update may change (retention is fixed at creation, as in Azure). */
export type VaultChange = Partial<Pick<VaultRecord, "enableRbacAuthorization" | "purgeProtection" | "sku">>;

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

  /** False when the name is taken, by a live vault or by a soft-deleted one (its name stays reserved). */
  createVault(vault: VaultRecord): Promise<boolean>;
  /** Live vaults only: a soft-deleted vault is not found here (nor by listVaults or updateVault). */
  getVault(name: string): Promise<VaultRecord | undefined>;
  listVaults(): Promise<VaultRecord[]>;
  updateVault(name: string, change: VaultChange): Promise<VaultRecord | undefined>;
  /** Soft-deletes a live vault with everything in it, which stays as it is; false when no live vault has the name. */
  softDeleteVault(name: string, deletedAt: number, scheduledPurge: number): Promise<boolean>;
  getDeletedVault(name: string): Promise<DeletedVaultRecord | undefined>;
  /** Soft-deleted vaults in name order. */
  listDeletedVaults(): Promise<DeletedVaultRecord[]>;
  /** Makes a soft-deleted vault live again, with everything it held; undefined when no deleted vault has the name. */
  recoverVault(name: string): Promise<VaultRecord | undefined>;
  /**
   * Removes a soft-deleted vault and everything in it, its access policies and the role assignments scoped to it;
   * false when no deleted vault has the name (a live vault is never purged).
   */
  purgeVault(name: string): Promise<boolean>;
  /** Purges soft-deleted vaults whose scheduled purge date is at or before `now`; returns how many. */
  purgeDueVaults(now: number): Promise<number>;

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
  listObjectVersions(
    vault: string,
    kind: ObjectKind,
    name: string,
    after: string | null,
    limit: number,
  ): Promise<Page<ObjectVersionRecord>>;
  allObjectVersions(vault: string, kind: ObjectKind, name: string): Promise<ObjectVersionRecord[]>;
  setObjectDeleted(
    vault: string,
    kind: ObjectKind,
    name: string,
    deletedAt: number | null,
    scheduledPurge: number | null,
  ): Promise<boolean>;
  /** Removes the object, all its versions and its policy. */
  purgeObject(vault: string, kind: ObjectKind, name: string): Promise<boolean>;
  /** Purges soft-deleted objects whose scheduled purge date is at or before `now`; returns how many. */
  purgeDueObjects(now: number): Promise<number>;
  /** Every live (not soft-deleted) object of a kind that has a policy, in a live vault, for the background rotation. */
  listObjectPolicies(kind: ObjectKind): Promise<{ vault: string; name: string; policy: string }[]>;
  /** A per-object policy document (a key's rotation policy), JSON, or null when none was set. */
  getObjectPolicy(vault: string, kind: ObjectKind, name: string): Promise<string | null>;
  setObjectPolicy(vault: string, kind: ObjectKind, name: string, policy: string): Promise<boolean>;

  /** A vault's entry of a kind by name (names compare without regard to case). */
  getVaultEntry(vault: string, kind: string, name: string): Promise<VaultEntry | undefined>;
  /** Creates or replaces the entry's value; an entry replaced keeps its name as first written. */
  putVaultEntry(entry: VaultEntry): Promise<VaultEntry>;
  /** Removes the entry for good (its bytes erased as a purge's); false when absent. */
  deleteVaultEntry(vault: string, kind: string, name: string): Promise<boolean>;
  /** A vault's entries of a kind in name order, starting after the opaque position `after`. */
  listVaultEntries(vault: string, kind: string, after: string | null, limit: number): Promise<Page<VaultEntry>>;

  /** A table's sealed values in primary-key order, starting after `after` (a key this method gave), at most `limit`. */
  listSealedRecords(table: SealedTable, after: readonly string[] | null, limit: number): Promise<SealedRecord[]>;
  countSealedRecords(table: SealedTable): Promise<number>;
  /**
   * Replaces a row's sealed value while it still is `expected` (a compare-and-set: a row written or removed since
   * it was read is left alone); false otherwise. The old bytes are erased as a purge's are.
   */
  replaceSealedRecord(table: SealedTable, key: readonly string[], expected: Buffer, replacement: Buffer): Promise<boolean>;

  /** Throws UserNameTakenError when another user has the same user name, in any case. */
  createPrincipal(principal: PrincipalRecord): Promise<void>;
  getPrincipal(id: string): Promise<PrincipalRecord | undefined>;
  /** The user with this user name, compared without regard to case. */
  getUserByName(userName: string): Promise<PrincipalRecord | undefined>;
  listPrincipals(): Promise<PrincipalRecord[]>;
  /** Removes the principal with its credentials, access policies, role assignments and sign-in records. */
  deletePrincipal(id: string): Promise<boolean>;
  addCredential(credential: CredentialRecord): Promise<void>;
  /** One credential of one principal (read on every request: a deleted credential revokes its tokens). */
  getCredential(principalId: string, credentialId: string): Promise<CredentialRecord | undefined>;
  listCredentials(principalId: string): Promise<CredentialRecord[]>;
  deleteCredential(principalId: string, credentialId: string): Promise<boolean>;

  getAccessPolicy(vault: string, principalId: string): Promise<AccessPolicyRecord | undefined>;
  /** Creates or replaces the principal's policy on the vault. */
  setAccessPolicy(policy: AccessPolicyRecord): Promise<void>;
  deleteAccessPolicy(vault: string, principalId: string): Promise<boolean>;
  listAccessPolicies(vault: string): Promise<AccessPolicyRecord[]>;

  /** False when the id exists, or the same principal already has the same role at the same scope. */
  createRoleAssignment(assignment: RoleAssignmentRecord): Promise<boolean>;
  getRoleAssignment(id: string): Promise<RoleAssignmentRecord | undefined>;
  deleteRoleAssignment(id: string): Promise<boolean>;
  /** All assignments, or one principal's, in creation order. */
  listRoleAssignments(principalId?: string): Promise<RoleAssignmentRecord[]>;
  /**
   * The principal's assignments that can apply in one vault — at `/`, at the vault, or at one of its objects — in
   * creation order: what every request to an RBAC vault reads, however many other vaults the principal holds roles in.
   */
  listRoleAssignmentsInVault(principalId: string, vault: string): Promise<RoleAssignmentRecord[]>;

  /**
   * Sign-in state (docs/sign-in-state.md), never cached: false, with nothing written, when the record's (kind, id)
   * or (kind, lookup) is taken; throws as for any refused statement when `principalId` names no principal.
   */
  createAuthRecord(record: AuthRecord): Promise<boolean>;
  getAuthRecord(kind: AuthRecordKind, id: string): Promise<AuthRecord | undefined>;
  /** The record of a kind whose lookup is exactly `lookup` (the caller normalises it). */
  findAuthRecord(kind: AuthRecordKind, lookup: string): Promise<AuthRecord | undefined>;
  /**
   * A compare-and-set: while the stored record (kind, id) still has revision `expectedRevision`, sets its principal,
   * session, body and expiry to the record's and its revision to `expectedRevision + 1` (its lookup never changes);
   * false when it is absent or has changed. Of concurrent replaces from one revision, on any node, one wins.
   */
  replaceAuthRecord(record: AuthRecord, expectedRevision: number): Promise<boolean>;
  /** True only for the one call that removed the record, however many race (a code is consumed once). */
  deleteAuthRecord(kind: AuthRecordKind, id: string): Promise<boolean>;
  /** Removes the session record `sessionId` and every record whose sessionId it is, atomically; returns how many. */
  endSignInSession(sessionId: string): Promise<number>;
  /** Removes the records whose expiry is at or before `now`; returns how many. */
  deleteExpiredAuthRecords(now: number): Promise<number>;

  /** Creates or replaces a custom role. */
  putRoleDefinition(role: RoleDefinitionRecord): Promise<void>;
  getRoleDefinition(id: string): Promise<RoleDefinitionRecord | undefined>;
  listRoleDefinitions(): Promise<RoleDefinitionRecord[]>;
  /** False when absent; refused while an assignment uses it. */
  deleteRoleDefinition(id: string): Promise<boolean>;
}

export interface Store extends StoreOps {
  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T>;
  /**
   * Whether this process leads the background work (purge, rotation): exactly one process among those sharing
   * the store at any time. Ask again each round: leadership moves when the leader dies.
   */
  leads(): Promise<boolean>;
  /**
   * Backend references (`ObjectVersionRecord.backendRef`) no version holds any more, oldest first, at most `limit`:
   * the outbox of keys to destroy in their token. The deletion of the last version holding a reference records it,
   * in the deletion's own transaction, whichever purge deleted it; a reference stays here until forgotten, so a
   * destruction that fails or is cut short is tried again.
   */
  releasedBackendRefs(limit: number): Promise<string[]>;
  /** Removes references from the outbox once their keys are destroyed (references not in it are ignored). */
  forgetReleasedBackendRefs(refs: readonly string[]): Promise<void>;
  /** From now on, tells `metrics` of its work (latency, failures, commit batches, pool usage). */
  reportTo(metrics: StoreMetrics): void;
  close(): Promise<void>;
}
