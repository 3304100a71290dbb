import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newSoftHsmToken } from "../../src/dev/dev-softhsm.js";

/**
 * A throw-away SoftHSM2 token for the tests of the PKCS#11 backend: a temporary directory with its own
 * softhsm2.conf and token store, made as dev mode makes its token. SoftHSM reads SOFTHSM2_CONF once, at C_Initialize,
 * and a loaded module is shared by the whole process, so a test process has one such token (made on first use,
 * removed when the process exits).
 */
export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

/** CI installs SoftHSM2 and sets this, so that the PKCS#11 tests never skip there. */
const softHsmRequired = process.env.KEYHOLD_REQUIRE_SOFTHSM === "1";

/** Why the SoftHSM tests skip here (false: they run). With KEYHOLD_REQUIRE_SOFTHSM=1 a missing SoftHSM fails instead. */
export function softHsmSkipReason(): string | false {
  if (existsSync(SOFTHSM_MODULE)) return false;
  if (softHsmRequired) throw new Error(`KEYHOLD_REQUIRE_SOFTHSM=1, but ${SOFTHSM_MODULE} is missing (apt-get install softhsm2 opensc)`);
  return `SoftHSM2 is not installed (${SOFTHSM_MODULE} is missing)`;
}

export interface SoftHsmToken {
  module: string;
  tokenLabel: string;
  pin: string;
  dir: string;
  /** Removes the token directory (also done when the process exits). */
  cleanup(): void;
}

let shared: SoftHsmToken | undefined;

/** This process's token: created, and SOFTHSM2_CONF pointed at it, before any backend loads the module. */
export function softHsmToken(): SoftHsmToken {
  if (shared) return shared;
  const dir = mkdtempSync(join(tmpdir(), "keyhold-softhsm-"));
  const token = { ...newSoftHsmToken(dir, "keyhold-test", { pin: "1234-test", soPin: "5678-test-so" }), dir };
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  process.once("exit", cleanup);
  shared = { ...token, cleanup };
  return shared;
}

/** One object as `pkcs11-tool --list-objects` shows it. */
export interface ListedObject {
  /** "Private Key Object", "Public Key Object", "Secret Key Object", … */
  kind: string;
  label: string;
  /** CKA_ID in hex. */
  id: string;
  usage: string[];
  /** Flags such as "sensitive", "always sensitive", "never extractable", "local". */
  access: string[];
}

/** The token's objects, as OpenSC's pkcs11-tool lists them after a user login. */
export function listTokenObjects(token: SoftHsmToken): ListedObject[] {
  const output = execFileSync(
    "pkcs11-tool",
    ["--module", token.module, "--token-label", token.tokenLabel, "--login", "--pin", token.pin, "--list-objects"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SOFTHSM2_CONF: join(token.dir, "softhsm2.conf") } },
  );
  const objects: ListedObject[] = [];
  for (const line of output.split("\n")) {
    if (/^\S/.test(line)) {
      objects.push({ kind: line.split(";")[0]!.trim(), label: "", id: "", usage: [], access: [] });
      continue;
    }
    const current = objects.at(-1);
    const field = /^\s+(\w[\w ]*):\s*(.*)$/.exec(line);
    if (!current || !field) continue;
    const [, name, value] = field as unknown as [string, string, string];
    const list = value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
    if (name === "label") current.label = value.trim();
    else if (name === "ID") current.id = value.trim();
    else if (name === "Usage") current.usage = list;
    else if (name === "Access") current.access = list;
  }
  return objects;
}
