import { builtInRole } from "../../authz/built-in-roles.js";
import { armDate } from "../../vault/vault-service.js";
import type {
  AccessPolicyRecord,
  CredentialRecord,
  DeletedVaultRecord,
  PrincipalRecord,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  VaultRecord,
} from "../../storage/records.js";

/** The admin API's JSON, modelled on what `az keyvault`, `az ad sp` and `az role` print. */

const iso = (seconds: number | null): string | null => (seconds === null ? null : new Date(seconds * 1000).toISOString());

export function policyJson(p: AccessPolicyRecord, tenantId: string): object {
  return { tenantId, objectId: p.principalId, permissions: p.permissions };
}

export function vaultJson(vault: VaultRecord, vaultUri: string, tenantId: string, policies: readonly AccessPolicyRecord[]): object {
  return {
    name: vault.name,
    id: `/vaults/${vault.name}`,
    type: "Keyhold/vaults",
    properties: {
      vaultUri,
      tenantId,
      sku: { family: "A", name: vault.sku },
      enableSoftDelete: true,
      softDeleteRetentionInDays: vault.retentionDays,
      enablePurgeProtection: vault.purgeProtection || null,
      enableRbacAuthorization: vault.enableRbacAuthorization,
      accessPolicies: policies.map((p) => policyJson(p, tenantId)),
      createdAt: iso(vault.createdAt),
      createdBy: vault.createdBy,
    },
  };
}

/** A soft-deleted vault as ARM's DeletedVault shows it (`az keyvault list-deleted|show-deleted`); Keyhold vaults have no tags. */
export function deletedVaultJson(vault: DeletedVaultRecord): object {
  return {
    id: `/deletedVaults/${vault.name}`,
    name: vault.name,
    type: "Keyhold/deletedVaults",
    properties: {
      vaultId: `/vaults/${vault.name}`,
      deletionDate: armDate(vault.deletedAt),
      scheduledPurgeDate: armDate(vault.scheduledPurge),
      purgeProtectionEnabled: vault.purgeProtection,
    },
  };
}

export function credentialJson(c: CredentialRecord): object {
  return {
    id: c.id,
    type: c.kind,
    createdAt: iso(c.createdAt),
    expiresAt: iso(c.expiresAt),
    ...(c.kind === "certificate" && { thumbprintSha256: c.hash.toUpperCase() }),
  };
}

/**
 * A principal as `az ad sp show` (or, for a user, `az ad user show`) prints one: a user has a user name where the others
 * have a client id, since no client authenticates as a user.
 */
export function principalJson(p: PrincipalRecord, tenantId: string, credentials?: readonly CredentialRecord[]): object {
  return {
    id: p.id,
    ...(p.kind === "user" ? { userName: p.userName } : { clientId: p.id }),
    displayName: p.displayName,
    type: p.kind,
    tenantId,
    createdAt: iso(p.createdAt),
    ...(credentials && { credentials: credentials.map(credentialJson) }),
  };
}

/** A user as the users' routes show one: a principal, and whether it has a TOTP second factor. */
export function userJson(p: PrincipalRecord, tenantId: string, mfa: boolean): object {
  return { ...principalJson(p, tenantId), mfa };
}

export function roleJson(r: RoleDefinitionRecord): object {
  return {
    id: `/providers/Microsoft.Authorization/roleDefinitions/${r.id}`,
    name: r.id,
    roleName: r.roleName,
    description: r.description,
    roleType: builtInRole(r.id) ? "BuiltInRole" : "CustomRole",
    type: "Microsoft.Authorization/roleDefinitions",
    assignableScopes: ["/"],
    permissions: [r.permissions],
  };
}

export function assignmentJson(a: RoleAssignmentRecord, roleName: string | undefined): object {
  return {
    id: `${a.scope === "/" ? "" : a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.id}`,
    name: a.id,
    type: "Microsoft.Authorization/roleAssignments",
    principalId: a.principalId,
    roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${a.roleDefinitionId}`,
    roleDefinitionName: roleName ?? null,
    scope: a.scope,
    createdOn: iso(a.createdAt),
    createdBy: a.createdBy,
  };
}
