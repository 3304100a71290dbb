import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { dirname } from "node:path";

/** The printed table and bench/results/latest.json. */
export interface Row {
  workload: string;
  keyhold: string;
  baseline: string;
  ratio: string;
  target: string;
  /** true/false when there is a target, null when the row is only reported. */
  met: boolean | null;
  /** Socket errors + timeouts + non-2xx answers (load rows only). */
  errors: number | null;
}

export const num = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
/** Milliseconds; autocannon's latencies are whole milliseconds, so those are printed without decimals. */
export const ms = (n: number): string => `${num(n, Number.isInteger(n) ? 0 : n < 10 ? 2 : 1)} ms`;
export const mb = (bytes: number): string => `${num(bytes / 1024 / 1024, 1)} MB`;
export const ratio = (a: number, b: number): string => (b > 0 ? num(a / b, 2) : "n/a");

export function formatTable(rows: Row[]): string {
  const header = ["workload", "Keyhold", "baseline", "ratio", "target", "met?", "errors"];
  const cells = rows.map((r) => [
    r.workload,
    r.keyhold,
    r.baseline,
    r.ratio,
    r.target,
    r.met === null ? "—" : r.met ? "yes" : "NO",
    r.errors === null ? "" : String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

export function machine() {
  let opensslCli: string | null = null;
  try {
    opensslCli = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();
  } catch {
    // no openssl binary: node's own version is reported anyway
  }
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    totalMemoryBytes: totalmem(),
    os: `${platform()} ${release()}`,
    node: process.version,
    openssl: process.versions.openssl,
    opensslCli,
  };
}

export function writeResults(file: string, results: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
