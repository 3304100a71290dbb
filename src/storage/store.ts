import type {
  CredentialRecord,
  Page,
  PrincipalRecord,
  SecretAttributes,
  SecretState,
  SecretSummary,
  SecretVersionRecord,
  VaultRecord,
} from "./records.js";

/**
 * The storage contract. Every adapter (SQLite now, PostgreSQL next) implements it and passes the suite in
 * test/contract/. Every method is asynchronous and atomic on its own; `transaction` groups several into one
 * atomic unit (read-your-writes inside, nothing visible outside until commit, nothing kept on a throw).
 * Secret names and vault names compare without regard to case.
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

  getSecretState(vault: string, name: string): Promise<SecretState | undefined>;
  /** Adds a version (creating the secret when new) and makes it the latest; assigns `seq`. */
  addSecretVersion(record: Omit<SecretVersionRecord, "seq">): Promise<SecretVersionRecord>;
  /** A version by id, or the latest when `version` is null. Deleted secrets are included. */
  getSecretVersion(vault: string, name: string, version: string | null): Promise<SecretVersionRecord | undefined>;
  updateSecretVersion(
    vault: string,
    name: string,
    version: string,
    attributes: SecretAttributes,
    updated: number,
  ): Promise<SecretVersionRecord | undefined>;
  /** Secrets in name order, active or soft-deleted, starting after the opaque position `after`. */
  listSecrets(vault: string, deleted: boolean, after: string | null, limit: number): Promise<Page<SecretSummary>>;
  listSecretVersions(vault: string, name: string, after: string | null, limit: number): Promise<Page<SecretVersionRecord>>;
  allSecretVersions(vault: string, name: string): Promise<SecretVersionRecord[]>;
  setSecretDeleted(vault: string, name: string, deletedAt: number | null, scheduledPurge: number | null): Promise<boolean>;
  /** Removes the secret and all its versions. */
  purgeSecret(vault: string, name: string): Promise<boolean>;
  /** Purges soft-deleted secrets whose scheduled purge date is at or before `now`; returns how many. */
  purgeDueSecrets(now: number): Promise<number>;

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
