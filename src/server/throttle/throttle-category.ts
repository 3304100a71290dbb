import { OPERATIONS, type Operation } from "../../authz/operations.js";
import type { ThrottleCategory } from "../../config/throttle-setting.js";

/**
 * Operations that make a key pair: Azure's "CREATE key". A rotation makes a new version's key, a certificate's
 * create the certificate's key (Keyhold's reading: Azure does not say how it counts either).
 */
const CREATE_KEY = new Set<Operation>(["keys/create", "keys/rotate", "certificates/create"]);

/** Azure's one limit for "CREATE secret", "IMPORT key" and "IMPORT certificate" (and Keyhold's batch import of secrets). */
const CREATE_SECRET_OR_IMPORT = new Set<Operation>(["secrets/set", "secrets/import", "keys/import", "certificates/import"]);

function categoryOf(operation: Operation): ThrottleCategory {
  if (CREATE_KEY.has(operation)) return "createKey";
  if (CREATE_SECRET_OR_IMPORT.has(operation)) return "createSecretOrImport";
  return OPERATIONS[operation].category === "keys" ? "keyTransactions" : "allOther";
}

const CATEGORIES = new Map((Object.keys(OPERATIONS) as Operation[]).map((operation) => [operation, categoryOf(operation)]));

/** The limit a data-plane operation counts against. */
export const throttleCategoryOf = (operation: Operation): ThrottleCategory => CATEGORIES.get(operation)!;
