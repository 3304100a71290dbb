import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseDevEnvFile } from "../../src/dev/dev-env.js";

/** The project's root and its compiled CLI. */
export const PROJECT_ROOT = resolve(import.meta.dirname, "../../..");
export const CLI = join(PROJECT_ROOT, "bin/keyhold.js");

export function testRoot(): string {
  const root = process.env.KEYHOLD_TEST_ROOT;
  const caDir = process.env.KEYHOLD_TEST_CA_DIR;
  if (!root || !caDir) throw new Error("run the tests with `npm test` (it prepares the test CA)");
  return root;
}

/** A fresh data directory that uses the run's test CA (which this process already trusts). */
export function newDataDir(): string {
  const dir = mkdtempSync(join(testRoot(), "server-"));
  for (const file of ["ca.pem", "ca-key.pem"]) copyFileSync(join(process.env.KEYHOLD_TEST_CA_DIR!, file), join(dir, file));
  return dir;
}

export interface DevServer {
  dir: string;
  port: number;
  proxyPort: number;
  url: string;
  /** DIR/dev.env and DIR/dev-mi.env, parsed. */
  env: Record<string, string>;
  miEnv: Record<string, string>;
  process: ChildProcess;
  output: () => string;
  /** The output once it holds `text`: log lines arrive after the answers they describe, and info lines in batches. */
  outputWith(text: string | RegExp): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `keyhold dev` as a real process on free ports and waits until it says it is ready. `extraEnv` adds to the
 * process's environment (e.g. KEYHOLD_DEV_TUNNEL_IDLE_MS).
 */
export async function startDevServer(
  dir: string = newDataDir(),
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<DevServer> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [CLI, "dev", "--data-dir", dir, "--port", "0", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HTTPS_PROXY: "", https_proxy: "", ...extraEnv },
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`dev server not ready in 15 s:\n${output}`)), 15_000);
    const check = () => {
      const match = /ready at https:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    };
    child.stdout.on("data", check);
    child.once("exit", () => {
      clearTimeout(timer);
      fail(new Error(`dev server exited:\n${output}`));
    });
  });
  const env = parseDevEnvFile(join(dir, "dev.env"));
  const proxyPort = Number(new URL(env.HTTPS_PROXY!).port);
  return {
    dir,
    port,
    proxyPort,
    url: `https://localhost:${port}`,
    env,
    miEnv: existsSync(join(dir, "dev-mi.env")) ? parseDevEnvFile(join(dir, "dev-mi.env")) : {},
    process: child,
    output: () => output,
    async outputWith(text: string | RegExp) {
      for (let waited = 0; waited < 5_000; waited += 50) {
        if (typeof text === "string" ? output.includes(text) : text.test(output)) return output;
        await new Promise((done) => setTimeout(done, 50));
      }
      throw new Error(`the server never wrote ${String(text)}:\n${output}`);
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
