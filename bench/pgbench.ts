import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InsertCeilingRun, InsertCeilingSpec } from "./insert-ceiling-run.js";
import { track } from "./lifecycle.js";

/**
 * PostgreSQL's own client benchmark (C, one connection per client, its own threads): it measures the server's
 * INSERT+COMMIT rate without a Node event loop in the way. Found beside initdb on the PATH, as the throw-away
 * server's programs are, or in Debian's /usr/lib/postgresql/VERSION/bin (newest first); null when absent.
 */
export function pgbenchPath(): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (existsSync(join(dir, "initdb")) && existsSync(join(dir, "pgbench"))) return join(dir, "pgbench");
  }
  const debian = "/usr/lib/postgresql";
  if (!existsSync(debian)) return null;
  const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(debian, v, "bin", "pgbench"))) return join(debian, v, "bin", "pgbench");
  return null;
}

/** Two threads: this machine kind has two cores, and 32 clients split evenly over them. */
const THREADS = 2;

/**
 * `pgbench -n -M prepared -c C -j 2 -T S -f script`: no vacuum (its own tables are not there), prepared statements
 * (the cheapest way to send the same INSERT, so the ceiling is not lowered by parsing). Throws when pgbench fails.
 */
export async function runPgbench(bin: string, spec: InsertCeilingSpec): Promise<InsertCeilingRun> {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-pgbench-"));
  try {
    const script = join(dir, "insert.sql");
    writeFileSync(script, `${spec.insertSql};\n`);
    const url = new URL(spec.url);
    const seconds = Math.max(1, Math.round(spec.seconds)); // pgbench takes whole seconds
    const args = [
      ...["-h", url.hostname, "-p", url.port, "-U", decodeURIComponent(url.username), "-n", "-M", "prepared"],
      ...["-c", String(spec.connections), "-j", String(THREADS), "-T", String(seconds), "-f", script],
      url.pathname.slice(1),
    ];
    const { code, stdout, stderr } = await output(bin, args);
    if (code !== 0) throw new Error(`pgbench exited ${code}: ${stderr.trim() || stdout.trim()}`);
    return { generator: `pgbench, ${THREADS} threads, prepared`, connections: spec.connections, seconds, ...parsePgbench(stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures of pgbench's summary (PostgreSQL 14 and later print the `tps` line this way). */
export function parsePgbench(stdout: string): Pick<InsertCeilingRun, "transactions" | "tps" | "latencyAvgMs" | "failed"> {
  const figure = (pattern: RegExp, what: string): number => {
    const match = pattern.exec(stdout);
    if (!match) throw new Error(`pgbench printed no ${what}:\n${stdout}`);
    return Number(match[1]);
  };
  return {
    transactions: figure(/^number of transactions actually processed: (\d+)/m, "transaction count"),
    tps: figure(/^tps = ([\d.]+) \(without initial connection time\)/m, "tps"),
    latencyAvgMs: figure(/^latency average = ([\d.]+) ms/m, "average latency"),
    // Printed from PostgreSQL 15 on; before, a failed transaction aborted its client and pgbench exited non-zero.
    failed: Number(/^number of failed transactions: (\d+)/m.exec(stdout)?.[1] ?? 0),
  };
}

function output(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = track(spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] }));
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", fail);
    child.once("close", (code) => done({ code, stdout, stderr }));
  });
}
