import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { THROTTLE_CATEGORIES } from "../src/config/throttle-setting.js";
import { tempDir } from "./lifecycle.js";
import { type Row, num } from "./report.js";
import type { KeyholdServer } from "./server.js";
import { type CostRound, type SettingCost, measureSettingCost, settingCostRows } from "./setting-cost.js";
import { AUDIT_LOADS } from "./audit-cost.js";

/**
 * What counting requests for throttling costs: secret get at 32 connections, `keyhold dev --throttle FILE` with
 * limits in every scope (vault, caller, server) and every category far above what the bench can send, so nothing
 * is refused and only the counting is measured, against `--throttle off`, alternated on fresh servers
 * (setting-cost.ts). Both sides run with `--audit off`, so that the audit trail's own variation does not hide a
 * cost this small. Judged on the ratio and on no 429 at all (any would mean the limits were reached, and the row
 * measured refusals instead of counting). Part of BENCH_ONLY=audit.
 */
export type ThrottleCost = SettingCost;

/** More rounds than the audit's: one load per round is cheap, and a target this close to 1 needs a steadier median. */
const ROUNDS = 5;
const MIN_RATIO = 0.9;
/** Per 10-second window: a million requests a second, two orders of magnitude above a loopback bench's rate. */
const FAR_ABOVE = 10_000_000;
const LOAD = AUDIT_LOADS.find((load) => load.id === "secret-get-32")!;

function writeLimitsFile(): string {
  const limits = Object.fromEntries(THROTTLE_CATEGORIES.map((category) => [category, FAR_ABOVE]));
  const file = join(tempDir("throttle-limits"), "limits.json");
  writeFileSync(file, JSON.stringify({ windowSeconds: 10, perVault: limits, perCaller: limits, server: limits }));
  return file;
}

/** `keyhold dev` names the limits it enforces in its banner: the on server must have, the off server must not. */
function checkThrottling(server: KeyholdServer, on: boolean): void {
  const announced = /Throttling\s+the --throttle file's limits/.test(server.output());
  if (on !== announced)
    throw new Error(`keyhold dev ${on ? "did not announce" : "announced"} throttling:\n${server.output().slice(0, 4000)}`);
}

export function throttleCostFigures(
  load: { seconds: number; warmupSeconds: number },
  log: (message: string) => void,
): Promise<ThrottleCost> {
  return measureSettingCost(
    {
      offArgs: ["--audit", "off", "--throttle", "off"],
      onArgs: ["--audit", "off", "--throttle", writeLimitsFile()],
      rounds: ROUNDS,
      loads: [LOAD],
      check: checkThrottling,
      ...load,
    },
    log,
  );
}

const throttled = (rounds: CostRound[]): number =>
  rounds.reduce((n, r) => n + (r.on.statusCodes["429"] ?? 0) + (r.off.statusCodes["429"] ?? 0), 0);

export function throttleCostRows(cost: ThrottleCost): Row[] {
  return settingCostRows(cost, [LOAD], {
    setting: "throttling counted/off",
    on: "--throttle FILE (limits never reached)",
    off: "--throttle off",
    minRatio: MIN_RATIO,
    extra: (rounds) => ({ note: throttled(rounds) === 0 ? "no 429" : `${num(throttled(rounds))}×429`, met: throttled(rounds) === 0 }),
  });
}
