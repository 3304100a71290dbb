import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * DIR/dev-identities.json: the dev credentials that restarts reuse (0600). Each part is written by its own owner,
 * at its own moment: the SoftHSM2 token's PINs before the server starts, the principals' secrets once it listens.
 * An update keeps the parts it does not name, so a file of an older version gains a part without losing the others.
 */
export const DEV_CREDENTIALS_FILE = "dev-identities.json";

export type DevCredentials = Record<string, unknown>;

/** The kept credentials, or none when the file does not exist yet. */
export function readDevCredentials(dir: string): DevCredentials {
  const file = join(dir, DEV_CREDENTIALS_FILE);
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, "utf8")) as DevCredentials;
}

/** Sets some parts of the file (readable by its owner only), keeping the others. */
export function updateDevCredentials(dir: string, parts: DevCredentials): void {
  const credentials = { ...readDevCredentials(dir), ...parts };
  writeFileSync(join(dir, DEV_CREDENTIALS_FILE), JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
}
