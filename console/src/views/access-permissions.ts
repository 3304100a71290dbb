/** An access policy's three permission lists, as the admin API stores and answers them. */
export type PolicyPermissions = Record<PermissionCategory, string[]>;

export type PermissionCategory = "keys" | "secrets" | "certificates";

/**
 * Every permission an access policy can grant, by category, in the names `az keyvault set-policy` takes; the server
 * checks them again, so this list only shapes the form.
 */
export const PERMISSIONS: Record<PermissionCategory, readonly string[]> = {
  keys: [
    "get",
    "list",
    "update",
    "create",
    "import",
    "delete",
    "recover",
    "backup",
    "restore",
    "decrypt",
    "encrypt",
    "unwrapKey",
    "wrapKey",
    "verify",
    "sign",
    "purge",
    "release",
    "rotate",
    "getrotationpolicy",
    "setrotationpolicy",
  ],
  secrets: ["get", "list", "set", "delete", "recover", "backup", "restore", "purge"],
  certificates: [
    "get",
    "list",
    "update",
    "create",
    "import",
    "delete",
    "recover",
    "backup",
    "restore",
    "managecontacts",
    "manageissuers",
    "getissuers",
    "listissuers",
    "setissuers",
    "deleteissuers",
    "purge",
  ],
};

export const CATEGORY_LABELS: Record<PermissionCategory, string> = {
  keys: "Key permissions",
  secrets: "Secret permissions",
  certificates: "Certificate permissions",
};
