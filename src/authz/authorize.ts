import type { VerifiedCaller } from "../identity/token-verifier.js";
import type { VaultRecord } from "../storage/records.js";

/** Every data-plane operation a route performs, named after Azure's access-policy permissions. */
export type SecretOperation = "get" | "list" | "set" | "update" | "delete" | "recover" | "backup" | "restore" | "purge";
export type KeyPermission =
  | "get"
  | "list"
  | "update"
  | "create"
  | "import"
  | "delete"
  | "recover"
  | "backup"
  | "restore"
  | "decrypt"
  | "encrypt"
  | "unwrapKey"
  | "wrapKey"
  | "verify"
  | "sign"
  | "purge"
  | "rotate"
  | "getrotationpolicy"
  | "setrotationpolicy"
  | "random";
export type Operation = `secrets/${SecretOperation}` | `keys/${KeyPermission}` | `admin/vaults/${"read" | "write"}`;

export interface Decision {
  allowed: boolean;
  reason: string;
}

/**
 * The one place an authenticated request is authorised. Until access policies and role assignments exist,
 * any principal of this server may use any vault.
 */
export function authorize(_caller: VerifiedCaller, _vault: VaultRecord | null, _operation: Operation): Decision {
  return { allowed: true, reason: "any authenticated principal of this server" };
}
