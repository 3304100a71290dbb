import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { API_VERSION } from "./client.js";
import type { Row } from "./report.js";
import type { KeyholdServer } from "./server.js";
import { type CostLoad, type SettingCost, measureSettingCost, settingCostRows } from "./setting-cost.js";
import { BENCH_SECRET } from "./workloads.js";

/**
 * What the audit trail costs: secret get and secret set (a new version of one secret each time) at 1 and 32
 * connections, `keyhold dev --audit file` (the default: entries fdatasync'd in batches, a get waiting for its entry to
 * be written, a set for it to be durable) against `--audit off`, alternated on fresh servers (setting-cost.ts). The
 * target: the audit must not halve throughput. Alone, with the throttling row: BENCH_ONLY=audit.
 */
export type AuditCost = SettingCost;

const ROUNDS = 3;
const MIN_RATIO = 0.5;
const SET_SECRET = "bench-audit-set";
const q = `api-version=${API_VERSION}`;

const secretGet: CostLoad[] = [1, 32].map((connections) => ({
  id: `secret-get-${connections}`,
  title: "secret get (latest)",
  connections,
  requests: [{ method: "GET", path: `/secrets/${BENCH_SECRET}?${q}` }],
}));

/** A few different values, so that a version's bytes are not always the same; every PUT makes a new version. */
const secretSet: CostLoad[] = [1, 32].map((connections) => ({
  id: `secret-set-${connections}`,
  title: "secret set (new version of one secret)",
  connections,
  requests: Array.from({ length: 16 }, (_, i) => ({
    method: "PUT" as const,
    path: `/secrets/${SET_SECRET}?${q}`,
    body: JSON.stringify({ value: `audit bench value ${i} `.padEnd(100, "v") }),
  })),
}));

export const AUDIT_LOADS: CostLoad[] = [...secretGet, ...secretSet];

/** Bytes written under DIR/audit (0 when there is no such directory). */
function auditBytes(dir: string): number {
  const audit = join(dir, "audit");
  if (!existsSync(audit)) return 0;
  return readdirSync(audit, { recursive: true, encoding: "utf8" }).reduce((sum, file) => {
    const stat = statSync(join(audit, file));
    return sum + (stat.isFile() ? stat.size : 0);
  }, 0);
}

/** The on server must have written its trail, the off server nothing: otherwise the rows compare the wrong things. */
function checkAuditTrail(server: KeyholdServer, on: boolean): void {
  const bytes = auditBytes(server.dir);
  if (on && bytes === 0) throw new Error(`keyhold dev --audit file wrote nothing under ${join(server.dir, "audit")}`);
  if (!on && bytes > 0) throw new Error(`keyhold dev --audit off wrote ${bytes} bytes under ${join(server.dir, "audit")}`);
}

export function auditCostFigures(load: { seconds: number; warmupSeconds: number }, log: (message: string) => void): Promise<AuditCost> {
  return measureSettingCost(
    { offArgs: ["--audit", "off"], onArgs: ["--audit", "file"], rounds: ROUNDS, loads: AUDIT_LOADS, check: checkAuditTrail, ...load },
    log,
  );
}

export function auditCostRows(cost: AuditCost): Row[] {
  return settingCostRows(cost, AUDIT_LOADS, { setting: "audit on/off", on: "--audit file", off: "--audit off", minRatio: MIN_RATIO });
}
