import type { Logger } from "pino";
import type { ServerConfig } from "../config/server-config.js";
import type { TokenKeyBackend } from "../crypto/key-backend.js";

type TokenSettings = NonNullable<ServerConfig["hsm"]>;

/** The token backend as a start sees it: it also says how the token performs each mechanism. */
export type OpenedTokenBackend = TokenKeyBackend & { mechanismPaths(): Record<string, string> };

/** The configured token cannot be opened: the start stops, and the CLI prints this one line (never the PIN). */
export class TokenSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenSetupError";
  }
}

/**
 * Opens the configured PKCS#11 token for this process, or answers null when none is configured. A PKCS#11 library's
 * sessions and login belong to one process, so each process that serves or runs background work opens its own; the
 * library (and the PKCS#11 binding) load only here, only then.
 */
export async function openTokenBackend(hsm: ServerConfig["hsm"]): Promise<OpenedTokenBackend | null> {
  if (!hsm) return null;
  const { openPkcs11Backend } = await import("../crypto/pkcs11/pkcs11-key-backend.js");
  try {
    return await openPkcs11Backend(hsm);
  } catch (error) {
    // Any failure here stops the start with a line of its own; the PIN is cut out of it should a library repeat it.
    const reason = error instanceof Error ? error.message : String(error);
    throw new TokenSetupError(`the HSM token cannot be opened: ${reason.split(hsm.pin).join("…")}`);
  }
}

/** Says which token serves the -HSM keys, through which library, and how it performs each mechanism (one line). */
export function logTokenOpened(logger: Logger, hsm: TokenSettings, backend: OpenedTokenBackend): void {
  logger.info(
    { hsm: { token: hsm.tokenLabel, module: hsm.module, mechanisms: backend.mechanismPaths() } },
    `HSM token ${hsm.tokenLabel} opened through ${hsm.module}`,
  );
}
