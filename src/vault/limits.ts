import { badParameter } from "../errors/key-vault-error.js";

/** Azure Key Vault's documented limits (learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates). */
export const SECRET_VALUE_MAX_BYTES = 25 * 1024;
export const CONTENT_TYPE_MAX_CHARS = 255;
export const TAGS_MAX = 15;
export const TAG_NAME_MAX_CHARS = 512;
export const TAG_VALUE_MAX_CHARS = 256;
export const PAGE_SIZE_MAX = 25;
export const DEFAULT_RETENTION_DAYS = 90;

/**
 * Keyhold's own limit (Azure has no bulk import): the most secrets one `POST /secrets/import` may hold. An import
 * is one transaction, and while it is open every other write, in every vault, waits for the SQLite store's writer;
 * its work is cut into slices (time-slice.ts) so that reads go on, but the whole still costs some 0.2-0.5 ms an
 * item on a two-core machine. A thousand keeps that wait, and the answer listing every item, to a few hundred
 * milliseconds and a few hundred KB; it is also about as many ~1 KB values as the 1 MiB body limit lets through,
 * and far more than a .env file holds.
 */
export const SECRETS_IMPORT_MAX = 1000;

/** Refuses an import of more than SECRETS_IMPORT_MAX secrets (before anything else is read of it). */
export function checkImportSize(count: number): void {
  if (count > SECRETS_IMPORT_MAX) {
    throw badParameter(
      `The import holds ${count} secrets, more than the ${SECRETS_IMPORT_MAX} one request may hold. Import them in several requests of at most ${SECRETS_IMPORT_MAX}.`,
    );
  }
}

const OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Vault names as Azure: 3–24 characters, letters, digits and dashes. */
const VAULT_NAME = /^[0-9a-zA-Z-]{3,24}$/;

export function checkObjectName(kind: "secret" | "key" | "certificate", name: string): string {
  if (!OBJECT_NAME.test(name)) {
    throw badParameter(
      `The request URI contains an invalid name: ${kind} names may only contain alphanumeric characters and dashes and be 1-127 characters long.`,
    );
  }
  return name;
}

export function checkVaultName(name: string): string {
  if (!VAULT_NAME.test(name)) {
    throw badParameter("Vault names must be 3-24 characters long and contain only alphanumeric characters and dashes.");
  }
  return name;
}

export function checkTags(tags: Record<string, string> | null): void {
  if (tags === null) return;
  const entries = Object.entries(tags);
  if (entries.length > TAGS_MAX) throw badParameter(`The number of tags (${entries.length}) exceeds the maximum of ${TAGS_MAX}.`);
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > TAG_NAME_MAX_CHARS) throw badParameter(`Tag names must be 1-${TAG_NAME_MAX_CHARS} characters long.`);
    if (v.length > TAG_VALUE_MAX_CHARS) throw badParameter(`Tag values must be at most ${TAG_VALUE_MAX_CHARS} characters long.`);
  }
}

/** The recovery level Azure reports for a vault with soft delete and this retention and purge protection. */
export function recoveryLevel(retentionDays: number, purgeProtection: boolean): string {
  const customized = retentionDays < DEFAULT_RETENTION_DAYS ? "CustomizedRecoverable" : "Recoverable";
  return purgeProtection ? customized : `${customized}+Purgeable`;
}
