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

export const forbidden = (message: string, innerCode?: string): KeyVaultError =>
  new KeyVaultError(403, "Forbidden", message, innerCode);

export const notFound = (code: string, message: string): KeyVaultError => new KeyVaultError(404, code, message);

export const secretNotFound = (name: string, version?: string): KeyVaultError =>
  notFound(
    "SecretNotFound",
    version
      ? `A secret with (name/id) ${name}/${version} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`
      : `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );

export const deletedSecretNotFound = (name: string): KeyVaultError =>
  notFound("SecretNotFound", `Deleted Secret not found: ${name}`);

export const vaultNotFound = (name: string): KeyVaultError =>
  notFound("VaultNotFound", `The vault '${name}' does not exist on this Keyhold server.`);

export const conflict = (message: string): KeyVaultError => new KeyVaultError(409, "Conflict", message);

export const secretInDeletedState = (name: string): KeyVaultError =>
  conflict(
    `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
  );

export const secretBeingDeleted = (name: string): KeyVaultError =>
  conflict(`Secret ${name} is currently being deleted.`);

export const requestTooLarge = (limit: number): KeyVaultError =>
  new KeyVaultError(413, "RequestBodyTooLarge", `The request body is larger than the limit of ${limit} bytes.`);

export const methodNotAllowed = (): KeyVaultError =>
  new KeyVaultError(405, "MethodNotAllowed", "The requested method is not allowed for this resource.");

export const internalError = (): KeyVaultError =>
  new KeyVaultError(500, "InternalServerError", "The server encountered an internal error. Please retry the request.");

export const serviceUnavailable = (): KeyVaultError =>
  new KeyVaultError(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry the request.");
