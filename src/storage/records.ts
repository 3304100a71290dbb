/** The shapes the store keeps. Times are epoch seconds; secret values are sealed (see crypto/envelope.ts). */

/** Azure's vault tiers, as ARM names them (`properties.sku.name`): only premium vaults hold -HSM key types. */
export type VaultSku = "standard" | "premium";

export interface VaultRecord {
  name: string;
  createdAt: number;
  /** Soft-delete retention, 7–90 days, fixed at creation. */
  retentionDays: number;
  /** Once on, never off: nothing is purged before its retention ends. */
  purgeProtection: boolean;
  /** The permission model: role assignments (true, Azure's default) or the vault's access policies. */
  enableRbacAuthorization: boolean;
  /** The tier: standard (Azure's default) or premium. */
  sku: VaultSku;
  createdBy: string;
}

/**
 * A soft-deleted vault, kept with everything in it (objects, access policies, role assignments) until it is
 * recovered or purged. Its name stays taken; its data plane answers as for a vault that does not exist.
 */
export interface DeletedVaultRecord extends VaultRecord {
  deletedAt: number;
  /** When the background work purges it (deletion + retention); purge protection refuses earlier purges. */
  scheduledPurge: number;
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
  /** Whether another object (a certificate) owns this version's lifetime: clients may not update or delete it. */
  managed: boolean;
  /**
   * Where a hardware token holds this key version, e.g. `pkcs11:…` (at most 200 characters); null when the content
   * sealed here is the whole object. When the last version holding a reference is purged, the store records it as
   * released, in the same transaction (Store.releasedBackendRefs).
   */
  backendRef: string | null;
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

/**
 * `publicClient`: an application registration users sign in through (a native or command-line program: loopback
 * redirects and the device code grant, no secret), as an Entra app registration that allows public client flows.
 */
export type PrincipalKind = "servicePrincipal" | "managedIdentity" | "user" | "publicClient";

export interface PrincipalRecord {
  /** Object id (a GUID); also the application (client) id. */
  id: string;
  kind: PrincipalKind;
  displayName: string;
  /**
   * A user's sign-in name, e.g. alice@example.org, as first written; unique among users without regard to case.
   * Null for service principals and managed identities.
   */
  userName: string | null;
  createdAt: number;
}

export type CredentialKind = "clientSecret" | "identityHeader" | "certificate" | "password" | "totp";

export interface CredentialRecord {
  id: string;
  principalId: string;
  kind: CredentialKind;
  /**
   * Secrets and passwords: a slow salted hash (see identity/secret-hash.ts), never the secret itself.
   * Certificates: the certificate's SHA-256 thumbprint, hex.
   */
  hash: string;
  /** Certificates only: the certificate, PEM, whose public key checks the client's assertions. */
  certificate: string | null;
  createdAt: number;
  expiresAt: number | null;
}

/** The three permission lists of an access policy, named as `az keyvault set-policy` names them. */
export type PermissionCategory = "keys" | "secrets" | "certificates";

export interface AccessPolicyRecord {
  vault: string;
  principalId: string;
  permissions: Record<PermissionCategory, string[]>;
  updatedAt: number;
}

export interface RolePermissions {
  /** Management actions (Keyhold's admin API), with `*` wildcards. */
  actions: string[];
  notActions: string[];
  /** Data actions (the vault API), e.g. `Microsoft.KeyVault/vaults/secrets/getSecret/action`. */
  dataActions: string[];
  notDataActions: string[];
}

/** A custom role; the built-in roles live in code (authz/built-in-roles.ts). */
export interface RoleDefinitionRecord {
  id: string;
  roleName: string;
  description: string;
  permissions: RolePermissions;
  createdAt: number;
}

export interface RoleAssignmentRecord {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  /** `/`, `/vaults/NAME`, or `/vaults/NAME/{secrets|keys|certificates}/OBJECT`. */
  scope: string;
  createdAt: number;
  createdBy: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque position after the last item, or null at the end. */
  next: string | null;
}

/**
 * What the user sign-in flows keep between requests: browser sessions at the authority, authorization and device codes,
 * refresh-token grants.
 */
export type AuthRecordKind = "session" | "code" | "device" | "grant";

export interface AuthRecord {
  kind: AuthRecordKind;
  /** Unique per kind (at most 200 characters). Codes are stored by a hash of the code, never the code itself. */
  id: string;
  /** The signed-in user, once known (a device code waiting for its user has none). Deleting the principal deletes its records. */
  principalId: string | null;
  /** The sign-in session (an id of kind "session") a code or grant came from; ending the session deletes them with it. */
  sessionId: string | null;
  /** A second key, unique per kind among non-null values (a device code's user code), or null. Never changes. */
  lookup: string | null;
  /** The rest, JSON written and read by the flow; the store does not look inside. */
  body: string;
  /** Starts at what create was given; every successful replace adds one. */
  revision: number;
  /** Epoch seconds; the store keeps expired records until deleteExpiredAuthRecords removes them. */
  expiresAt: number;
}
