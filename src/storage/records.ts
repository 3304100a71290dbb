/** The shapes the store keeps. Times are epoch seconds; secret values are sealed (see crypto/envelope.ts). */

export interface VaultRecord {
  name: string;
  createdAt: number;
  /** Soft-delete retention, 7–90 days, fixed at creation. */
  retentionDays: number;
  purgeProtection: boolean;
  createdBy: string;
}

export interface SecretAttributes {
  enabled: boolean;
  notBefore: number | null;
  expires: number | null;
  contentType: string | null;
  tags: Record<string, string> | null;
}

export interface SecretVersionRecord extends SecretAttributes {
  vault: string;
  /** The name as first written (lookups ignore case, as Azure's do). */
  name: string;
  version: string;
  /** Creation order within the secret, assigned by the store. */
  seq: number;
  created: number;
  updated: number;
  sealedValue: Buffer;
}

export interface SecretState {
  vault: string;
  name: string;
  deletedAt: number | null;
  scheduledPurge: number | null;
}

/** A secret's latest version together with its object state, as lists return it. */
export interface SecretSummary {
  state: SecretState;
  latest: SecretVersionRecord;
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
