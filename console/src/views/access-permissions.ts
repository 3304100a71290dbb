/** An access policy's three permission lists, as the admin API stores and answers them. */
export type PolicyPermissions = Record<PermissionCategory, string[]>;

/**
 * Every permission an access policy can grant, by category: the server's own list (bundled into the console), in the
 * names `az keyvault set-policy` takes; the server checks them again, so here the list only shapes the form.
 */
import { PERMISSIONS } from "../../../src/authz/permission-names.js";

export { PERMISSIONS };
export type PermissionCategory = keyof typeof PERMISSIONS;

export const CATEGORY_LABELS: Record<PermissionCategory, string> = {
  keys: "Key permissions",
  secrets: "Secret permissions",
  certificates: "Certificate permissions",
};
