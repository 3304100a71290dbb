import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { CLI } from "./dev-server.js";

/**
 * Runs `keyhold ARGS` as a child process with only PATH and the given environment (a dev.env, say): the
 * proxy variables are emptied, since the CLI talks to KEYHOLD_URL directly.
 */
export function runKeyhold(env: Record<string, string>, args: string[], cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    ...(cwd && { cwd }),
    env: { PATH: process.env.PATH!, ...env, HTTPS_PROXY: "", https_proxy: "" },
    encoding: "utf8",
  });
}
