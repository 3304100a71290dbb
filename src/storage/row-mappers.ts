import type {
  AccessPolicyRecord,
  AuthRecord,
  CredentialRecord,
  DeletedVaultRecord,
  ObjectKind,
  ObjectVersionRecord,
  PrincipalRecord,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  VaultRecord,
  VaultSku,
} from "./records.js";

/**
 * Rows to records, for every SQL adapter: both stores name their columns alike. Booleans arrive as 0/1 from
 * SQLite and as true/false from PostgreSQL; numbers as numbers or (BIGINT) strings.
 */
export type Row = Record<string, unknown>;

export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** A column's value as text: drivers give strings, numbers, BIGINTs or bytes. */
function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || Buffer.isBuffer(v)) return v.toString();
  return JSON.stringify(v);
}
export const text = (v: unknown): string | null => (v === null || v === undefined ? null : asText(v));
export const json = <T>(v: unknown): T | null => (v === null || v === undefined ? null : (JSON.parse(asText(v)) as T));
export const jsonOrNull = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));
const flag = (v: unknown): boolean => v === true || v === 1;

export function toVault(r: Row): VaultRecord {
  return {
    name: String(r.name),
    createdAt: Number(r.created_at),
    retentionDays: Number(r.retention_days),
    purgeProtection: flag(r.purge_protection),
    enableRbacAuthorization: flag(r.enable_rbac),
    sku: r.sku as VaultSku,
    createdBy: String(r.created_by),
  };
}

/** A vault row with `deleted_at` set (the store's deleted-vault reads select only those). */
export function toDeletedVault(r: Row): DeletedVaultRecord {
  return { ...toVault(r), deletedAt: Number(r.deleted_at), scheduledPurge: Number(r.scheduled_purge) };
}

/** A version row whose `display_name` is the object's name as first written. */
export function toVersion(r: Row): ObjectVersionRecord {
  return {
    vault: String(r.vault),
    kind: r.kind as ObjectKind,
    name: String(r.display_name),
    version: String(r.version),
    seq: Number(r.seq),
    created: Number(r.created),
    updated: Number(r.updated),
    enabled: flag(r.enabled),
    notBefore: num(r.not_before),
    expires: num(r.expires),
    tags: json<Record<string, string>>(r.tags),
    contentType: text(r.content_type),
    keyOps: json<string[]>(r.key_ops),
    publicData: text(r.public_data),
    sealed: r.sealed as Buffer,
    managed: flag(r.managed),
    backendRef: text(r.backend_ref),
  };
}

export function toPrincipal(r: Row): PrincipalRecord {
  return {
    id: String(r.id),
    kind: r.kind as PrincipalRecord["kind"],
    displayName: String(r.display_name),
    userName: text(r.user_name),
    createdAt: Number(r.created_at),
  };
}

export function toCredential(r: Row): CredentialRecord {
  return {
    id: String(r.id),
    principalId: String(r.principal_id),
    kind: r.kind as CredentialRecord["kind"],
    hash: String(r.hash),
    certificate: text(r.certificate),
    createdAt: Number(r.created_at),
    expiresAt: num(r.expires_at),
  };
}

export function toPolicy(r: Row): AccessPolicyRecord {
  return {
    vault: String(r.vault),
    principalId: String(r.principal_id),
    permissions: JSON.parse(String(r.permissions)) as AccessPolicyRecord["permissions"],
    updatedAt: Number(r.updated_at),
  };
}

export function toAssignment(r: Row): RoleAssignmentRecord {
  return {
    id: String(r.id),
    principalId: String(r.principal_id),
    roleDefinitionId: String(r.role_definition_id),
    scope: String(r.scope),
    createdAt: Number(r.created_at),
    createdBy: String(r.created_by),
  };
}

export function toRole(r: Row): RoleDefinitionRecord {
  return {
    id: String(r.id),
    roleName: String(r.role_name),
    description: String(r.description),
    permissions: JSON.parse(String(r.permissions)) as RoleDefinitionRecord["permissions"],
    createdAt: Number(r.created_at),
  };
}

export function toAuthRecord(r: Row): AuthRecord {
  return {
    kind: r.kind as AuthRecord["kind"],
    id: String(r.id),
    principalId: text(r.principal_id),
    sessionId: text(r.session_id),
    lookup: text(r.lookup),
    body: String(r.body),
    revision: Number(r.revision),
    expiresAt: Number(r.expires_at),
  };
}
