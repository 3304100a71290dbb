import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * What `keyhold login` keeps: a token (never a client secret, so it cannot renew itself), for the server it was
 * issued by, with what a new shell needs to reach that server again: its URL and the CA that signed its certificate.
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

/** Written with mode 0600 in a 0700 directory: the token is a credential for its lifetime. */
export function saveLogin(login: Login, env: NodeJS.ProcessEnv = process.env): string {
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  const file = loginFile(env);
  rmSync(file, { force: true });
  writeFileSync(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  return file;
}

export function removeLogin(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = loginFile(env);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}
