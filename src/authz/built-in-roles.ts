import type { RoleDefinitionRecord } from "../storage/records.js";

/**
 * Azure's built-in Key Vault roles, with their ids and data actions, and Keyhold's own server administrator
 * role for the admin API (vaults, principals, access policies, role assignments and definitions). `*` in an
 * action matches any run of characters, as in Azure role definitions.
 */
const KV = "Microsoft.KeyVault/vaults";

function role(id: string, roleName: string, description: string, dataActions: string[], actions: string[] = []): RoleDefinitionRecord {
  return { id, roleName, description, permissions: { actions, notActions: [], dataActions, notDataActions: [] }, createdAt: 0 };
}

export const KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
export const KEYHOLD_ADMINISTRATOR = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

export const BUILT_IN_ROLES: readonly RoleDefinitionRecord[] = [
  role(KEY_VAULT_ADMINISTRATOR, "Key Vault Administrator", "Perform all data plane operations on a key vault and all objects in it.", [
    `${KV}/*`,
  ]),
  role(
    "21090545-7ca7-4776-b22c-e363652d74d2",
    "Key Vault Reader",
    "Read metadata of key vaults and their certificates, keys and secrets; not secret values.",
    [`${KV}/*/read`, `${KV}/secrets/readMetadata/action`],
  ),
  role("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Key Vault Secrets Officer", "Perform any action on the secrets of a key vault.", [
    `${KV}/secrets/*`,
  ]),
  role("4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User", "Read secret contents.", [
    `${KV}/secrets/getSecret/action`,
    `${KV}/secrets/readMetadata/action`,
  ]),
  role("14b46e9e-c2b7-41b4-b07b-48a6ebf60603", "Key Vault Crypto Officer", "Perform any action on the keys of a key vault.", [
    `${KV}/keys/*`,
    `${KV}/keyrotationpolicies/*`,
  ]),
  role("12338af0-0e69-4776-bea7-57ae8d297424", "Key Vault Crypto User", "Perform cryptographic operations using keys.", [
    `${KV}/keys/read`,
    `${KV}/keys/update/action`,
    `${KV}/keys/backup/action`,
    `${KV}/keys/encrypt/action`,
    `${KV}/keys/decrypt/action`,
    `${KV}/keys/wrap/action`,
    `${KV}/keys/unwrap/action`,
    `${KV}/keys/sign/action`,
    `${KV}/keys/verify/action`,
  ]),
  role(
    "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Key Vault Crypto Service Encryption User",
    "Read metadata of keys and perform wrap/unwrap operations.",
    [`${KV}/keys/read`, `${KV}/keys/wrap/action`, `${KV}/keys/unwrap/action`],
  ),
  role("a4417e6f-fecd-4de8-b567-7b0420556985", "Key Vault Certificates Officer", "Perform any action on the certificates of a key vault.", [
    `${KV}/certificatecas/*`,
    `${KV}/certificates/*`,
    `${KV}/certificatecontacts/write`,
  ]),
  role("db79e9a7-68ee-4b58-9aeb-b90e7c24fcba", "Key Vault Certificate User", "Read certificate contents.", [
    `${KV}/certificates/read`,
    `${KV}/secrets/getSecret/action`,
    `${KV}/secrets/readMetadata/action`,
    `${KV}/keys/read`,
  ]),
  role(
    KEYHOLD_ADMINISTRATOR,
    "Keyhold Administrator",
    "Manage this Keyhold server: vaults, principals, access policies, role assignments, roles and the master key rotation.",
    [],
    ["Keyhold/*"],
  ),
];

const BY_ID = new Map(BUILT_IN_ROLES.map((r) => [r.id, r]));

export const builtInRole = (id: string): RoleDefinitionRecord | undefined => BY_ID.get(id.toLowerCase());

/** A built-in role by its id or its name (`--role "Key Vault Secrets User"`), ignoring case. */
export function builtInRoleByName(nameOrId: string): RoleDefinitionRecord | undefined {
  const wanted = nameOrId.toLowerCase();
  return BY_ID.get(wanted) ?? BUILT_IN_ROLES.find((r) => r.roleName.toLowerCase() === wanted);
}
