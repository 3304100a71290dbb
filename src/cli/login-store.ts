import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError } from "./cli-error.js";

/**
 * What `keyhold login` keeps, for the server it was issued by, with what a new shell needs to reach that server
 * again: its URL and the CA that signed its certificate. A service principal's login keeps a token (never a client
 * secret, so it cannot renew itself); a user's login (`--device-code`, `--browser`) also keeps a refresh token,
 * which renews it.
 */
export interface Login {
  url: string;
  /** The vault resource of the server's challenge (the token's audience). */
  resource: string;
  accessToken: string;
  /** Epoch seconds. */
  expiresOn: number;
  principalId: string;
  /** Epoch seconds; absent in logins kept by older versions. */
  loggedInAt?: number;
  /** An absolute path: the CA file to trust for this server (`--ca`, or NODE_EXTRA_CA_CERTS at login); absent: the system's CAs. */
  caFile?: string;
  /** A user's login only: the rotating refresh token, the authority that takes it, and who signed in. */
  refreshToken?: string;
  /** The authority's base URL (AZURE_AUTHORITY_HOST at login, else the server's URL). */
  authorityHost?: string;
  tenant?: string;
  clientId?: string;
  /** The id token's preferred_username. */
  userName?: string;
}

/** The user's config directory: KEYHOLD_CONFIG_DIR, else $XDG_CONFIG_HOME/keyhold, else ~/.config/keyhold. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYHOLD_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "keyhold");
}

const loginFile = (env: NodeJS.ProcessEnv) => join(configDir(env), "login.json");

export function readLogin(env: NodeJS.ProcessEnv = process.env): Login | null {
  const file = loginFile(env);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Login;
  } catch {
    return null;
  }
}

/**
 * Written with mode 0600 in a 0700 directory: the tokens are credentials. The file is written whole under another name
 * and renamed over the old one, so a reader never sees half a login, and a crash never loses a rotated refresh token
 * (the server no longer takes the one it replaced).
 */
export function saveLogin(login: Login, env: NodeJS.ProcessEnv = process.env): string {
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  const file = loginFile(env);
  const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  return file;
}

export function removeLogin(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = loginFile(env);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

/** A lock older than this was left by a process that died while renewing: no renewal takes so long. */
const STALE_LOCK_MS = 60_000;
const LOCK_WAIT_MS = 45_000;
const LOCK_POLL_MS = 100;

/**
 * Runs `work` while holding the login's lock file, so that two commands started together do not both spend the same
 * refresh token: the server takes a spent one as stolen and revokes the whole sign-in. The second one, once it holds
 * the lock, reads the login the first one saved.
 */
export async function withLoginLock<T>(work: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  const lock = `${loginFile(env)}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const age = (() => {
      try {
        return Date.now() - statSync(lock).mtimeMs;
      } catch {
        return 0;
      }
    })();
    if (age > STALE_LOCK_MS) rmSync(lock, { force: true });
    else if (Date.now() > deadline)
      throw new CliError("LoginBusy", `another keyhold command has been renewing the login for too long (${lock})`);
    else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}
