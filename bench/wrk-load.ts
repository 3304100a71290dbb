import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "./load.js";
import { track } from "./lifecycle.js";

/**
 * wrk (C, epoll, one thread): a load generator that costs far less per request than autocannon, so that the bare
 * HTTPS baseline is not bound by its own generator. It replays one fixed request, so it serves the workloads whose
 * requests never change; autocannon keeps those whose bodies must (names, digests). wrk does not verify the
 * server's certificate: acceptable only on loopback, against servers this bench started.
 */
export interface WrkSpec {
  url: string;
  method: "GET" | "POST" | "PUT";
  headers: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export interface WrkResult extends LoadResult {
  /** The generator's CPU time ÷ wall time: near 1.0, its one thread was busy all the time and may be the limit. */
  generatorCpu: number;
}

/** The bench's generators, as the rows name them. */
export type Generator = "wrk" | "autocannon";

/** Runs a command to its end: whether it could be started at all, and whether it exited 0. */
const run = (command: string, args: string[]): Promise<{ started: boolean; ok: boolean }> =>
  new Promise((done) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.once("error", () => done({ started: false, ok: false }));
    child.once("exit", (code) => done({ started: true, ok: code === 0 }));
  });

/**
 * Makes sure wrk is there: as `.ci/run` installs what the tests need, the bench installs Debian's `wrk` when it runs
 * as root on a machine with apt-get; anywhere else it says what to install.
 */
export async function ensureWrk(log: (line: string) => void): Promise<void> {
  // `wrk --version` prints its usage and exits 1: that it starts is what counts.
  if ((await run("wrk", ["--version"])).started) return;
  if (process.getuid?.() === 0 && (await run("apt-get", ["--version"])).ok) {
    log("wrk is not installed: installing Debian's package (apt-get update && apt-get install -y wrk)");
    if ((await run("apt-get", ["update", "-qq"])).ok && (await run("apt-get", ["install", "-y", "-qq", "wrk"])).ok) return;
  }
  throw new Error("the bench needs wrk: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)");
}

/** A warm-up run (discarded but for its errors), then the measured one. */
export async function runWrk(spec: WrkSpec): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-wrk-"));
  try {
    const script = join(dir, "request.lua");
    writeFileSync(script, luaScript(spec));
    const warmup = spec.warmupSeconds > 0 ? await wrkOnce(spec, script, spec.warmupSeconds) : null;
    const measured = await wrkOnce(spec, script, spec.seconds);
    return { ...measured, warmupErrors: warmup ? warmup.errors + warmup.timeouts : 0, warmupNon2xx: warmup?.non2xx ?? 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What wrk's `done` hook prints: counts, and latencies in microseconds. */
interface WrkSummary {
  requests: number;
  durationUs: number;
  bytes: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  timeouts: number;
  statusErrors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const SUMMARY_MARK = "keyhold-wrk-summary ";

/** Lua long brackets that no part of the text can close early. */
function luaString(text: string): string {
  let level = "";
  while (text.includes(`]${level}]`)) level += "=";
  return `[${level}[${text}]${level}]`;
}

function luaScript(spec: WrkSpec): string {
  const headers = Object.entries(spec.headers).map(([name, value]) => `wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`);
  return [
    `wrk.method = ${luaString(spec.method)}`,
    ...headers,
    ...(spec.body === undefined ? [] : [`wrk.body = ${luaString(spec.body)}`]),
    "done = function(summary, latency, requests)",
    `  io.write(string.format(${luaString(`${SUMMARY_MARK}{"requests":%d,"durationUs":%d,"bytes":%d,"connectErrors":%d,`)} ..`,
    `    ${luaString(`"readErrors":%d,"writeErrors":%d,"timeouts":%d,"statusErrors":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\n`)},`,
    "    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,",
    "    summary.errors.write, summary.errors.timeout, summary.errors.status,",
    "    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))",
    "end",
    "",
  ].join("\n");
}

/**
 * One wrk run under bash, whose `times` then reports the CPU its child used: the generator's own cost, to show
 * whether it was the limit.
 */
function wrkOnce(spec: WrkSpec, script: string, seconds: number): Promise<WrkResult> {
  const args = ["-t1", `-c${spec.connections}`, `-d${seconds}s`, "--timeout", "30s", "-s", script, spec.url];
  const command = `wrk ${args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ")} && times`;
  const child = track(spawn("bash", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] }));
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(SUMMARY_MARK));
      if (code !== 0 || !line) return fail(new Error(`wrk exited ${code}: ${err || out}`));
      const s = JSON.parse(line.slice(SUMMARY_MARK.length)) as WrkSummary;
      const wallSeconds = s.durationUs / 1e6;
      done({
        connections: spec.connections,
        seconds: wallSeconds,
        requests: s.requests,
        rps: s.requests / wallSeconds,
        p50Ms: s.p50 / 1000,
        p90Ms: s.p90 / 1000,
        p99Ms: s.p99 / 1000,
        maxMs: s.max / 1000,
        bytesPerSec: s.bytes / wallSeconds,
        errors: s.connectErrors + s.readErrors + s.writeErrors,
        timeouts: s.timeouts,
        non2xx: s.statusErrors,
        statusCodes: {},
        warmupErrors: 0,
        warmupNon2xx: 0,
        generatorCpu: childCpuSeconds(out) / wallSeconds,
      });
    });
  });
}

/** The second line of bash's `times`: the children's user and system time, as `0m1.234s 0m0.567s`. */
function childCpuSeconds(output: string): number {
  const lines = output.trim().split("\n");
  const children = lines.at(-1) ?? "";
  const spans = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return spans.reduce((sum, s) => sum + s, 0);
}
