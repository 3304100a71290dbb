/** The shapes the store keeps. Times are epoch seconds; secret values are sealed (see crypto/envelope.ts). */

export interface VaultRecord {
  name: string;
  createdAt: number;
  /** Soft-delete retention, 7–90 days, fixed at creation. */
  retentionDays: number;
  purgeProtection: boolean;
  createdBy: string;
}

/** The kinds of versioned vault objects; each kind has its own namespace within a vault. */
export type ObjectKind = "secret" | "key" | "certificate";

/** What an update may change on a version. */
export interface ObjectAttributes {
  enabled: boolean;
  notBefore: number | null;
  expires: number | null;
  tags: Record<string, string> | null;
  /** Secrets: the content type. */
  contentType: string | null;
  /** Keys: the permitted operations (`key_ops`). */
  keyOps: string[] | null;
}

export interface ObjectVersionRecord extends ObjectAttributes {
  vault: string;
  kind: ObjectKind;
  /** The name as first written (lookups ignore case, as Azure's do). */
  name: string;
  version: string;
  /** Creation order within the object, assigned by the store. */
  seq: number;
  created: number;
  updated: number;
  /** Fixed per version and kept in clear, as JSON: e.g. a key's type and public JWK. */
  publicData: string | null;
  /** Sealed under the master key: a secret's value, a key's private material. */
  sealed: Buffer;
}

export interface ObjectState {
  vault: string;
  kind: ObjectKind;
  name: string;
  deletedAt: number | null;
  scheduledPurge: number | null;
}

/** An object's latest version together with its state, as lists return it. */
export interface ObjectSummary {
  state: ObjectState;
  latest: ObjectVersionRecord;
}

export type PrincipalKind = "servicePrincipal" | "managedIdentity";

export interface PrincipalRecord {
  /** Object id (a GUID); also the application (client) id. */
  id: string;
  kind: PrincipalKind;
  displayName: string;
  createdAt: number;
}

export interface CredentialRecord {
  id: string;
  principalId: string;
  kind: "clientSecret" | "identityHeader";
  /** A slow salted hash (see identity/secret-hash.ts); never the secret itself. */
  hash: string;
  createdAt: number;
  expiresAt: number | null;
}

export interface Page<T> {
  items: T[];
  /** Opaque position after the last item, or null at the end. */
  next: string | null;
}
