/**
 * The one catalogue of errors the Key Vault data plane returns. Each error carries Azure's HTTP status and
 * code; the server's error mapper writes `{"error":{"code","message"[,"innererror"]}}` from it.
 * Messages never contain secret values.
 */
export class KeyVaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
    this.name = "KeyVaultError";
  }
}

export const badParameter = (message: string): KeyVaultError => new KeyVaultError(400, "BadParameter", message);

export const unknownApiVersion = (version: string, latest: string): KeyVaultError =>
  new KeyVaultError(
    400,
    "BadParameter",
    `The specified version (${version}) is not recognized. Consider using the latest supported version (${latest}).`,
  );

export const missingApiVersion = (): KeyVaultError =>
  new KeyVaultError(400, "BadParameter", "The api-version query parameter is required.");

export const unauthorized = (message: string): KeyVaultError => new KeyVaultError(401, "Unauthorized", message);

export const forbidden = (message: string, innerCode?: string): KeyVaultError => new KeyVaultError(403, "Forbidden", message, innerCode);

export const notFound = (code: string, message: string): KeyVaultError => new KeyVaultError(404, code, message);

export const conflict = (message: string): KeyVaultError => new KeyVaultError(409, "Conflict", message);

type Kind = "secret" | "key" | "certificate";
const TITLE: Record<Kind, string> = { secret: "Secret", key: "Key", certificate: "Certificate" };
const NOT_FOUND_CODE: Record<Kind, string> = { secret: "SecretNotFound", key: "KeyNotFound", certificate: "CertificateNotFound" };

export const objectNotFound = (kind: Kind, name: string, version?: string): KeyVaultError =>
  notFound(
    NOT_FOUND_CODE[kind],
    `A ${kind} with (name/id) ${version ? `${name}/${version}` : name} was not found in this key vault. If you recently deleted this ${kind} you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );

export const deletedObjectNotFound = (kind: Kind, name: string): KeyVaultError =>
  notFound(NOT_FOUND_CODE[kind], `Deleted ${TITLE[kind]} not found: ${name}`);

export const objectInDeletedState = (kind: Kind, name: string): KeyVaultError =>
  conflict(
    `${TITLE[kind]} ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the ${kind} can only be recovered or purged.`,
  );

export const objectExists = (kind: Kind, name: string): KeyVaultError =>
  conflict(`${TITLE[kind]} ${name} already exists in this vault and cannot be restored over.`);

/**
 * An -HSM key type (create, import, restore, rotate) in a standard vault: Azure keeps HSM-protected keys for
 * premium vaults and answers 400 with the code and text below (as its answers show them in public reports).
 */
export const hardwareKeyInStandardVault = (): KeyVaultError =>
  new KeyVaultError(400, "Forbidden", "Hardware key operation not allowed on standard vault");

export const vaultNotFound = (name: string): KeyVaultError =>
  notFound("VaultNotFound", `The vault '${name}' does not exist on this Keyhold server.`);

/**
 * Creating a vault whose name a soft-deleted vault holds: ARM's 409 `VaultAlreadyExists`, in its words (as
 * `az keyvault create`, ARM deployments and New-AzKeyVault print them).
 */
export const vaultNameInUse = (name: string): KeyVaultError =>
  new KeyVaultError(
    409,
    "VaultAlreadyExists",
    `The vault name '${name}' is already in use. Vault names are globally unique so it is possible that the name is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a recoverable state then the vault will need to be purged before reusing the name. For more information about VaultAlreadyExists, soft delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.`,
  );

/** Showing or purging a deleted vault that is not there: ARM's `DeletedVaultNotFound`. */
export const deletedVaultNotFound = (name: string): KeyVaultError =>
  notFound("DeletedVaultNotFound", `The deleted vault '${name}' does not exist on this Keyhold server.`);

/** Recovering a vault that is not soft-deleted: ARM's answer to `createMode: recover`. */
export const softDeletedVaultDoesNotExist = (): KeyVaultError =>
  new KeyVaultError(
    400,
    "SoftDeletedVaultDoesNotExist",
    "A soft deleted vault with the given name does not exist. Ensure that the name for the vault that is being attempted to recover is in a recoverable state.",
  );

/**
 * Purging a deleted vault under purge protection before its retention has ended: ARM's `(MethodNotAllowed)
 * Operation 'DeletedVaultPurge' is not allowed.`, here with status 409 and the reason.
 */
export const vaultPurgeProtected = (name: string, scheduledPurgeDate: string): KeyVaultError =>
  new KeyVaultError(
    409,
    "MethodNotAllowed",
    `Operation 'DeletedVaultPurge' is not allowed. Purge protection is enabled for vault '${name}': it can be recovered, and it is purged automatically after its retention period has passed (${scheduledPurgeDate}).`,
  );

export const requestTooLarge = (limit: number): KeyVaultError =>
  new KeyVaultError(413, "RequestBodyTooLarge", `The request body is larger than the limit of ${limit} bytes.`);

export const serviceUnavailable = (): KeyVaultError =>
  new KeyVaultError(
    503,
    "ServiceUnavailable",
    "The service is temporarily unavailable: its store cannot be reached. Please retry the request.",
  );

/** A key held in a hardware token that cannot be reached now, or that this deployment no longer configures. */
export const hsmUnavailable = (): KeyVaultError =>
  new KeyVaultError(503, "ServiceUnavailable", "The HSM that holds this key is temporarily unavailable. Please retry the request.");

/**
 * A backup of a key whose private part lives in the HSM, created there as never extractable: the token cannot wrap
 * it for a backup blob, so the backup is refused rather than made without the key (docs/hsm.md).
 */
export const hsmKeyBackupRefused = (name: string): KeyVaultError =>
  badParameter(
    `A key of '${name}' is held in this deployment's HSM as never extractable, so it cannot be put in a backup blob: back up the HSM's token instead.`,
  );

export const hsmNotConfigured = (): KeyVaultError =>
  new KeyVaultError(503, "ServiceUnavailable", "The HSM that holds this key is not configured in this Keyhold deployment.");

export const internalError = (): KeyVaultError =>
  new KeyVaultError(500, "InternalServerError", "The server encountered an internal error. Please retry the request.");
