/**
 * Errors of the PKCS#11 backend. Set-up errors say what to fix (the module path, the token label, the PIN being
 * wrong — never the PIN itself); errors during operation are classified here so that a token that went away is
 * reopened rather than reported as a failed operation.
 */

/** The token cannot be used as configured: thrown when the backend opens, with a message for the operator. */
export class Pkcs11SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Pkcs11SetupError";
  }
}

/** Thrown by the backend itself when it finds the session no longer logged in, as the token would have said. */
export class SessionLost extends Error {
  constructor() {
    super("the token session is no longer logged in");
    this.name = "SessionLost";
  }
}

/** The CKR_ name of a Cryptoki error raised by pkcs11js (its message), or null for any other error. */
export function cryptokiResult(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== "Pkcs11Error") return null;
  return /^CKR_\w+/.exec(error.message)?.[0] ?? null;
}

/** Results that mean the session, the login or the whole module went away (a token restart): reopen and retry. */
const SESSION_LOSS = new Set([
  "CKR_SESSION_HANDLE_INVALID",
  "CKR_SESSION_CLOSED",
  "CKR_USER_NOT_LOGGED_IN",
  "CKR_TOKEN_NOT_PRESENT",
  "CKR_DEVICE_REMOVED",
  "CKR_DEVICE_ERROR",
  "CKR_CRYPTOKI_NOT_INITIALIZED",
]);

export function isSessionLoss(error: unknown): boolean {
  return error instanceof SessionLost || SESSION_LOSS.has(cryptokiResult(error) ?? "");
}

/** A handle the token no longer knows: after a logout, private objects vanish from the session's view this way. */
export function isHandleInvalid(error: unknown): boolean {
  const result = cryptokiResult(error);
  return result === "CKR_OBJECT_HANDLE_INVALID" || result === "CKR_KEY_HANDLE_INVALID";
}

/** The token holds no object under a reference (destroyed, or never made here). */
export class KeyNotInToken extends Error {
  constructor() {
    super("the token holds no key under this reference");
    this.name = "KeyNotInToken";
  }
}
