import type { PermissionCategory } from "../storage/records.js";

/**
 * Every data-plane operation a route performs, with what authorises it in each permission model: the
 * access-policy permission (the one the REST specification names for it) and the RBAC data action (the
 * strings of Azure's built-in Key Vault roles). `object`: whether the operation acts on one named object, so
 * that a role assigned at that object's scope applies.
 */
export interface OperationRule {
  category: PermissionCategory;
  permission: string;
  /** A broader access-policy permission that also allows the operation (`manageissuers` for each issuer operation). */
  broaderPermission?: string;
  dataAction: string;
  object: boolean;
  /**
   * Whether the operation may change what is stored. One that only reads or uses it (a get, a list, a backup, a
   * signature) is answered once its audit entry is written, without waiting for the disk flush (docs/audit.md).
   */
  changesState: boolean;
}

const KV = "Microsoft.KeyVault/vaults";
const rule = (category: PermissionCategory, permission: string, action: string, object = true): OperationRule => ({
  category,
  permission,
  dataAction: `${KV}/${action}`,
  object,
  changesState: true,
});

/** An operation that reads or uses what is stored and changes none of it. */
const reads = (operation: OperationRule): OperationRule => ({ ...operation, changesState: false });

const issuerRule = (permission: string, action: "read" | "write" | "delete"): OperationRule => ({
  ...rule("certificates", permission, `certificatecas/${action}`, false),
  broaderPermission: "manageissuers",
});

export const OPERATIONS = {
  "secrets/get": reads(rule("secrets", "get", "secrets/getSecret/action")),
  "secrets/list": reads(rule("secrets", "list", "secrets/readMetadata/action", false)),
  "secrets/listVersions": reads(rule("secrets", "list", "secrets/readMetadata/action")),
  "secrets/set": rule("secrets", "set", "secrets/setSecret/action"),
  "secrets/update": rule("secrets", "set", "secrets/update/action"),
  "secrets/delete": rule("secrets", "delete", "secrets/delete"),
  "secrets/listDeleted": reads(rule("secrets", "list", "secrets/readMetadata/action", false)),
  "secrets/getDeleted": reads(rule("secrets", "get", "secrets/readMetadata/action")),
  "secrets/recover": rule("secrets", "recover", "secrets/recover/action"),
  "secrets/purge": rule("secrets", "purge", "secrets/purge/action"),
  "secrets/backup": reads(rule("secrets", "backup", "secrets/backup/action")),
  "secrets/restore": rule("secrets", "restore", "secrets/restore/action", false),
  // Keyhold's extension: many secrets in one transaction (`keyhold secret import`); `set` on the whole vault.
  "secrets/import": rule("secrets", "set", "secrets/setSecret/action", false),

  "keys/create": rule("keys", "create", "keys/create/action"),
  "keys/import": rule("keys", "import", "keys/import/action"),
  "keys/get": reads(rule("keys", "get", "keys/read")),
  "keys/update": rule("keys", "update", "keys/update/action"),
  "keys/list": reads(rule("keys", "list", "keys/read", false)),
  "keys/listVersions": reads(rule("keys", "list", "keys/read")),
  "keys/delete": rule("keys", "delete", "keys/delete"),
  "keys/listDeleted": reads(rule("keys", "list", "keys/read", false)),
  "keys/getDeleted": reads(rule("keys", "get", "keys/read")),
  "keys/recover": rule("keys", "recover", "keys/recover/action"),
  "keys/purge": rule("keys", "purge", "keys/purge/action"),
  "keys/backup": reads(rule("keys", "backup", "keys/backup/action")),
  "keys/restore": rule("keys", "restore", "keys/restore/action", false),
  "keys/encrypt": reads(rule("keys", "encrypt", "keys/encrypt/action")),
  "keys/decrypt": reads(rule("keys", "decrypt", "keys/decrypt/action")),
  "keys/wrapKey": reads(rule("keys", "wrapKey", "keys/wrap/action")),
  "keys/unwrapKey": reads(rule("keys", "unwrapKey", "keys/unwrap/action")),
  "keys/sign": reads(rule("keys", "sign", "keys/sign/action")),
  "keys/verify": reads(rule("keys", "verify", "keys/verify/action")),
  "keys/release": reads(rule("keys", "release", "keys/release/action")),
  "keys/rotate": rule("keys", "rotate", "keys/rotate/action"),
  "keys/getRotationPolicy": reads(rule("keys", "getrotationpolicy", "keyrotationpolicies/read")),
  "keys/setRotationPolicy": rule("keys", "setrotationpolicy", "keyrotationpolicies/write"),
  // Random bytes touch no key; anyone who may read the vault's keys may ask for them.
  "keys/random": reads(rule("keys", "get", "keys/read", false)),

  "certificates/create": rule("certificates", "create", "certificates/create/action"),
  "certificates/get": reads(rule("certificates", "get", "certificates/read")),
  "certificates/update": rule("certificates", "update", "certificates/update/action"),
  "certificates/list": reads(rule("certificates", "list", "certificates/read", false)),
  "certificates/listVersions": reads(rule("certificates", "list", "certificates/read")),
  "certificates/delete": rule("certificates", "delete", "certificates/delete"),
  "certificates/listDeleted": reads(rule("certificates", "list", "certificates/read", false)),
  "certificates/getDeleted": reads(rule("certificates", "get", "certificates/read")),
  "certificates/recover": rule("certificates", "recover", "certificates/recover/action"),
  "certificates/purge": rule("certificates", "purge", "certificates/purge/action"),
  "certificates/backup": reads(rule("certificates", "backup", "certificates/backup/action")),
  "certificates/restore": rule("certificates", "restore", "certificates/restore/action", false),
  "certificates/getPolicy": reads(rule("certificates", "get", "certificates/read")),
  "certificates/updatePolicy": rule("certificates", "update", "certificates/update/action"),
  // The pending create operation: reading it needs get, deleting it update, as the REST specification says.
  "certificates/getOperation": reads(rule("certificates", "get", "certificates/read")),
  "certificates/deleteOperation": rule("certificates", "update", "certificates/update/action"),
  "certificates/updateOperation": rule("certificates", "update", "certificates/update/action"),
  "certificates/import": rule("certificates", "import", "certificates/import/action"),
  // Merge completes a create: the REST specification asks for the create permission.
  "certificates/merge": rule("certificates", "create", "certificates/create/action"),
  // Issuers and contacts belong to the vault, not to one certificate.
  "certificates/getIssuer": reads(issuerRule("getissuers", "read")),
  "certificates/listIssuers": reads(issuerRule("listissuers", "read")),
  "certificates/setIssuer": issuerRule("setissuers", "write"),
  "certificates/updateIssuer": issuerRule("setissuers", "write"),
  "certificates/deleteIssuer": issuerRule("deleteissuers", "delete"),
  "certificates/getContacts": reads(rule("certificates", "managecontacts", "certificatecontacts/write", false)),
  "certificates/setContacts": rule("certificates", "managecontacts", "certificatecontacts/write", false),
  "certificates/deleteContacts": rule("certificates", "managecontacts", "certificatecontacts/write", false),
} as const satisfies Record<string, OperationRule>;

export type Operation = keyof typeof OPERATIONS;
