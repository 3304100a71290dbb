import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkcs11js from "pkcs11js";
import type { ServerConfig } from "../config/server-config.js";
import { acquireModule, releaseModule } from "../crypto/pkcs11/pkcs11-module.js";
import { DEV_CREDENTIALS_FILE, readDevCredentials, updateDevCredentials } from "./dev-credentials-file.js";

/** The label of the token `keyhold dev --hsm softhsm` makes and keeps. */
export const DEV_TOKEN_LABEL = "keyhold-dev";

/** Where SoftHSM2's library is installed: Debian and Ubuntu (plain and multiarch), a source build, Homebrew. */
export const SOFTHSM_MODULE_PATHS = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/local/lib/softhsm/libsofthsm2.so",
  "/opt/homebrew/lib/softhsm/libsofthsm2.so",
];

const INSTALL_SOFTHSM =
  "install softhsm2 (`apt-get install softhsm2`, or `brew install softhsm`), or set KEYHOLD_SOFTHSM_MODULE to its libsofthsm2.so";

/** Dev mode's SoftHSM2 token cannot be used or made; the message says what to install or do. */
export class SoftHsmSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SoftHsmSetupError";
  }
}

/** A token's user PIN and security officer PIN (dev mode keeps them in DIR/dev-identities.json as `hsm`). */
export interface SoftHsmPins {
  pin: string;
  soPin: string;
}

export interface DevSoftHsm {
  /** DIR/softhsm: SoftHSM2's config file and its token directory. */
  dir: string;
  settings: NonNullable<ServerConfig["hsm"]>;
  /** Whether the token was made by this start (else the one an earlier start made is used again). */
  made: boolean;
}

/** SoftHSM2's library: the one KEYHOLD_SOFTHSM_MODULE names, else the first installed in a usual place. */
export function findSoftHsmModule(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.KEYHOLD_SOFTHSM_MODULE;
  if (chosen) {
    if (!existsSync(chosen)) throw new SoftHsmSetupError(`KEYHOLD_SOFTHSM_MODULE is ${chosen}, which does not exist: ${INSTALL_SOFTHSM}`);
    return chosen;
  }
  const found = SOFTHSM_MODULE_PATHS.find((path) => existsSync(path));
  if (!found)
    throw new SoftHsmSetupError(`--hsm softhsm needs SoftHSM2, whose libsofthsm2.so is in none of its usual places: ${INSTALL_SOFTHSM}`);
  return found;
}

const randomPin = (): string => randomBytes(16).toString("hex");

function keptPins(dataDir: string): SoftHsmPins | null {
  const hsm = readDevCredentials(dataDir).hsm as Partial<SoftHsmPins> | undefined;
  return typeof hsm?.pin === "string" && typeof hsm.soPin === "string" ? { pin: hsm.pin, soPin: hsm.soPin } : null;
}

/**
 * Initialises a token in SoftHSM2's free slot, labelled `label`, and sets its user PIN: through the library itself,
 * so that no PIN is ever in a command line. The library is released afterwards (finalised when no key backend
 * shares it); the server's key backend loads it again.
 */
function initialiseToken(module: string, label: string, pins: SoftHsmPins): void {
  let library: pkcs11js.PKCS11;
  try {
    library = acquireModule(module);
  } catch {
    throw new SoftHsmSetupError(`${module} could not be loaded as SoftHSM2's PKCS#11 library: ${INSTALL_SOFTHSM}`);
  }
  try {
    const free = library.C_GetSlotList(true).find((slot) => (library.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
    if (!free) throw new SoftHsmSetupError(`SoftHSM2 (${module}) offers no free slot to make the ${label} token in`);
    // Token labels are 32 bytes padded with spaces.
    library.C_InitToken(free, pins.soPin, label.padEnd(32, " "));
    const session = library.C_OpenSession(free, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      library.C_Login(session, pkcs11js.CKU_SO, pins.soPin);
      library.C_InitPIN(session, pins.pin);
      library.C_Logout(session);
    } finally {
      library.C_CloseSession(session);
    }
  } catch (error) {
    if (error instanceof SoftHsmSetupError) throw error;
    throw new SoftHsmSetupError(`SoftHSM2 could not make the ${label} token: ${(error as Error).message}`);
  } finally {
    releaseModule(module);
  }
}

/**
 * SoftHSM2 kept in `dir`: its own softhsm2.conf and token directory. SoftHSM2 reads its config from the file
 * SOFTHSM2_CONF names when its library is initialised: this sets it for this process and the processes it starts,
 * before any of them loads the library. Returns the token directory.
 */
function useSoftHsmDirectory(dir: string): string {
  const tokens = join(dir, "tokens");
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`, { mode: 0o600 });
  process.env.SOFTHSM2_CONF = conf;
  return tokens;
}

/** A new SoftHSM2 token labelled `label` in an empty `dir` (a throw-away one: tests, the bench), with these PINs. */
export function newSoftHsmToken(dir: string, label: string, pins: SoftHsmPins): NonNullable<ServerConfig["hsm"]> {
  const module = findSoftHsmModule();
  useSoftHsmDirectory(dir);
  initialiseToken(module, label, pins);
  return { module, tokenLabel: label, pin: pins.pin };
}

/**
 * Dev mode's SoftHSM2 token in DIR/softhsm, made at the first start and used again by the next ones (SOFTHSM2_CONF set
 * for this process and the cluster workers it forks). A token whose PIN is no longer kept (the
 * credentials file was removed) cannot be logged in to, and is made anew.
 */
export async function prepareDevSoftHsm(
  dataDir: string,
  notice: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<DevSoftHsm> {
  const module = findSoftHsmModule();
  const dir = join(dataDir, "softhsm");
  const tokens = useSoftHsmDirectory(dir);
  const settings = (pin: string) => ({ module, tokenLabel: DEV_TOKEN_LABEL, pin });
  const kept = keptPins(dataDir);
  const hasToken = readdirSync(tokens).length > 0;
  if (kept && hasToken) return { dir, settings: settings(kept.pin), made: false };
  if (hasToken) {
    const why = `the PIN of the SoftHSM2 token in ${dir} is no longer in ${DEV_CREDENTIALS_FILE}`;
    notice(`keyhold: ${why}: made a new token (the old one's keys are gone)`);
    rmSync(tokens, { recursive: true, force: true });
    mkdirSync(tokens, { mode: 0o700 });
  }
  const pins = { pin: randomPin(), soPin: randomPin() };
  initialiseToken(module, DEV_TOKEN_LABEL, pins);
  updateDevCredentials(dataDir, { hsm: pins });
  return { dir, settings: settings(pins.pin), made: true };
}
