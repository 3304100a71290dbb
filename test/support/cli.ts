import assert from "node:assert/strict";
import { type SpawnSyncReturns, execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { CLI } from "./dev-server.js";

/** PATH and the given environment (a dev.env, say): the proxy variables are emptied, since the CLI talks to KEYHOLD_URL directly. */
const cliEnv = (env: Record<string, string>): Record<string, string> => ({
  PATH: process.env.PATH!,
  ...env,
  HTTPS_PROXY: "",
  https_proxy: "",
});

/** Runs `keyhold ARGS` as a child process with only PATH and the given environment; `input` goes to its stdin. */
export function runKeyhold(env: Record<string, string>, args: string[], cwd?: string, input?: string | Buffer): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    ...(cwd && { cwd }),
    ...(input !== undefined && { input }),
    env: cliEnv(env),
    encoding: "utf8",
  });
}

/**
 * Runs `keyhold ARGS` without blocking this process, for a test that serves the CLI from here (a TLS server, say),
 * which spawnSync would starve.
 */
export function runKeyholdAsync(
  env: Record<string, string>,
  args: string[],
  cwd?: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { ...(cwd && { cwd }), env: cliEnv(env), encoding: "utf8" }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs `keyhold ARGS`, asserting exit code 0, and answers its JSON output (null when it printed nothing). */
export function keyholdJson(env: Record<string, string>, args: string[]): any {
  const r = runKeyhold(env, args);
  assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : null;
}

export interface WatchedRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The command line as every local user sees it (`ps`, /proc/PID/cmdline), read while it ran; null without /proc. */
  visibleArgs: string[] | null;
}

/**
 * Runs `keyhold ARGS` and reads its command line from /proc while it waits on stdin, before `input` is written: what
 * another user's `ps` shows while the command runs.
 */
export function runKeyholdWatched(env: Record<string, string>, args: string[], input: string | Buffer, cwd?: string): Promise<WatchedRun> {
  const child = spawn(process.execPath, [CLI, ...args], { ...(cwd && { cwd }), env: cliEnv(env), stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    let visibleArgs: string[] | null = null;
    child.once("error", reject);
    child.once("spawn", () => {
      const cmdline = `/proc/${child.pid}/cmdline`;
      visibleArgs = existsSync(cmdline) ? readFileSync(cmdline, "utf8").split("\0").filter(Boolean) : null;
      child.stdin.end(input);
    });
    child.once("close", (status) => resolve({ status, stdout, stderr, visibleArgs }));
  });
}

export interface RunningKeyhold {
  /** Stderr once it matches `pattern` (the CLI tells a person what to do there while it waits); fails after `timeoutMs`. */
  stderrMatching(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Its exit status and whole output. */
  exited: Promise<{ status: number | null; stdout: string; stderr: string }>;
  kill(): void;
}

/** Starts `keyhold ARGS` for a test that acts while it runs (a person signing in, say), with only PATH and `env`. */
export function startKeyhold(env: Record<string, string>, args: string[]): RunningKeyhold {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (status) => resolve({ status, stdout, stderr })),
  );
  return {
    async stderrMatching(pattern, timeoutMs = 20_000) {
      for (let waited = 0; waited < timeoutMs; waited += 50) {
        const match = pattern.exec(stderr);
        if (match) return match;
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`keyhold ${args.join(" ")} never wrote ${String(pattern)} on stderr:\n${stderr}`);
    },
    exited,
    kill: () => child.kill(),
  };
}
