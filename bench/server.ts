import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { request } from "node:https";
import { join, resolve } from "node:path";
import { parseDevEnvFile } from "../src/dev/dev-env.js";
import { freePort } from "../src/dev/free-port.js";
import { stopChild, track } from "./lifecycle.js";

/** Starting and stopping `keyhold dev` exactly as a user does: `node bin/keyhold.js dev --data-dir DIR`. */
export const PROJECT_ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(PROJECT_ROOT, "bin/keyhold.js");

export interface KeyholdServer {
  dir: string;
  port: number;
  url: string;
  pid: number;
  /** DIR/dev.env, parsed. */
  env: Record<string, string>;
  /** DIR/ca.pem: the dev CA that signed the server certificate. */
  ca: Buffer;
  output(): string;
  stop(): Promise<void>;
}

/** BENCH_WORKERS=N runs the server with `--workers N` (node:cluster); unset, the default single process. */
export const WORKERS = Number(process.env.BENCH_WORKERS) || null;

function spawnKeyhold(dir: string, port: number, extraArgs: string[] = []): ChildProcess {
  const args = [
    CLI,
    "dev",
    "--data-dir",
    dir,
    "--port",
    String(port),
    "--proxy-port",
    "0",
    ...(WORKERS ? ["--workers", String(WORKERS)] : []),
    ...extraArgs,
  ];
  return track(
    spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HTTPS_PROXY: "", https_proxy: "" } }),
  );
}

/**
 * What a server printed, for error messages and the start banner: its first and its last KEPT_BYTES characters. Not
 * all of it: the request log prints a line per request, about 12 MB per 5-second load, and a whole run's first
 * server would leave hundreds of megabytes in the bench's memory, beside the server it measures.
 */
class KeptOutput {
  #head = "";
  #tail = "";
  #dropped = false;

  add(text: string): void {
    if (this.#head.length < KEPT_BYTES) {
      const room = KEPT_BYTES - this.#head.length;
      this.#head += text.slice(0, room);
      text = text.slice(room);
    }
    this.#tail += text;
    if (this.#tail.length > 2 * KEPT_BYTES) {
      this.#tail = this.#tail.slice(-KEPT_BYTES);
      this.#dropped = true;
    }
  }

  text(): string {
    return this.#dropped ? `${this.#head}\n[…]\n${this.#tail.slice(-KEPT_BYTES)}` : this.#head + this.#tail;
  }
}

const KEPT_BYTES = 64 * 1024;

/** Spawns `keyhold dev --port 0` on `dir` and waits for its "ready at https://localhost:PORT" line. */
export async function startKeyhold(dir: string, extraArgs: string[] = []): Promise<KeyholdServer> {
  const child = spawnKeyhold(dir, 0, extraArgs);
  const kept = new KeptOutput();
  child.stdout!.on("data", (c: Buffer) => kept.add(c.toString()));
  child.stderr!.on("data", (c: Buffer) => kept.add(c.toString()));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`keyhold dev not ready in 30 s:\n${kept.text()}`)), 30_000);
    const onExit = () => {
      clearTimeout(timer);
      fail(new Error(`keyhold dev exited before it was ready:\n${kept.text()}`));
    };
    child.once("exit", onExit);
    child.stdout!.on("data", function check() {
      const match = /ready at https:\/\/localhost:(\d+)/.exec(kept.text());
      if (!match) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.stdout!.off("data", check);
      done(Number(match[1]));
    });
  });
  return {
    dir,
    port,
    url: `https://localhost:${port}`,
    pid: child.pid!,
    env: parseDevEnvFile(join(dir, "dev.env")),
    ca: readFileSync(join(dir, "ca.pem")),
    output: () => kept.text(),
    stop: () => stopChild(child),
  };
}

/** Child process ids (Linux: /proc/PID/task/TID/children). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * Resident set size in bytes (Linux: VmRSS in /proc/PID/status) of the server process plus its children, so
 * that cluster workers count too. Null where /proc is not available.
 */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (!match) return null;
    return Number(match[1]) * 1024 + childPids(pid).reduce((sum, child) => sum + (rssBytes(child) ?? 0), 0);
  } catch {
    return null;
  }
}

/**
 * One GET /healthz; true on a 200. The certificate is not checked: on a fresh directory the CA does not exist
 * before the spawn, and this probe only times the start on loopback (nothing secret is sent).
 */
export function healthy(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ host: "localhost", port, path: "/healthz", rejectUnauthorized: false, agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.once("error", () => done(false));
    req.once("timeout", () => req.destroy());
    req.end();
  });
}

/** User + system CPU milliseconds of a process, every thread (Linux: /proc/PID/stat, in clock ticks of 10 ms), or null. */
export function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
      .replace(/^.*\) /s, "")
      .split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** How long a start took to its first answer, and the CPU the process had used by then (steadier on a busy machine). */
export interface ColdStart {
  ms: number;
  cpuMs: number | null;
}

/**
 * Cold start: milliseconds from spawning `keyhold dev` on `dir` to its first 200 on /healthz, polled every
 * 5 ms. The port is chosen here (not `--port 0`) so that the probe knows where to knock before the server says.
 */
export async function coldStart(dir: string): Promise<ColdStart> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawnKeyhold(dir, port);
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`keyhold dev exited during the cold start:\n${output}`);
      if (await healthy(port)) return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: cpuMs(child.pid!) };
      if (process.hrtime.bigint() - started > 30_000_000_000n) throw new Error(`no 200 on /healthz within 30 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await stopChild(child);
  }
}
