import { randomBytes } from "node:crypto";
import { findSoftHsmModule, newSoftHsmToken, SoftHsmSetupError } from "../src/dev/dev-softhsm.js";
import { tempDir } from "./lifecycle.js";

/**
 * A throw-away SoftHSM2 token for the PKCS#11 rows: a temporary directory (removed with the bench's others) with its
 * own softhsm2.conf, made as dev mode makes its token. SoftHSM2 reads SOFTHSM2_CONF once, when its library is
 * initialised, and the library is shared by the whole process: so a process has one such token, made on first use.
 */
export interface BenchToken {
  module: string;
  tokenLabel: string;
  pin: string;
}

let made: BenchToken | undefined;

/** Why the PKCS#11 rows are skipped here (SoftHSM2 is not installed), or false when they can run. */
export function softHsmMissing(): string | false {
  try {
    findSoftHsmModule();
    return false;
  } catch (error) {
    if (error instanceof SoftHsmSetupError) return `skipped: SoftHSM2 not found (${error.message})`;
    throw error;
  }
}

/** This process's token: made, and SOFTHSM2_CONF pointed at it, before the library is loaded. */
export function benchToken(): BenchToken {
  if (made) return made;
  // Random PINs for a token that lives as long as this run.
  made = newSoftHsmToken(tempDir("softhsm"), "keyhold-bench", {
    pin: randomBytes(8).toString("hex"),
    soPin: randomBytes(8).toString("hex"),
  });
  return made;
}
