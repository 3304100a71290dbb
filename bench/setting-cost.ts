import { join } from "node:path";
import { API_VERSION, Client } from "./client.js";
import { removeDir, tempDir } from "./lifecycle.js";
import { type LoadRequest, type LoadResult, runLoad } from "./load.js";
import { type Row, ms, num } from "./report.js";
import { loadFailures } from "./rows.js";
import { type KeyholdServer, startKeyhold } from "./server.js";
import { BENCH_SECRET } from "./workloads.js";

/**
 * What one `keyhold dev` setting costs: each load against a server started with the setting off, then against one
 * started with it on, and again (off, on, off, on, …), one server at a time on a fresh data directory each, so that
 * the two never share the cores and every measurement starts from the same state. A round is one such pair per load;
 * its ratio (on / off requests per second) compares two runs seconds apart, and the row shows the round with the
 * median ratio: on a shared machine the load drifts, and a dip in one run is interference, not the setting's cost.
 */
export interface CostLoad {
  id: string;
  title: string;
  connections: number;
  requests: LoadRequest[];
}

export interface CostRound {
  off: LoadResult;
  on: LoadResult;
  /** on.rps / off.rps */
  ratio: number;
}

export interface SettingCost {
  generator: string;
  /** The `keyhold dev` arguments of each side. */
  offArgs: string[];
  onArgs: string[];
  /** By load id, one per round. */
  rounds: Record<string, CostRound[]>;
}

export interface SettingCostSpec {
  offArgs: string[];
  onArgs: string[];
  rounds: number;
  loads: CostLoad[];
  seconds: number;
  warmupSeconds: number;
  /** Throws unless the server, after its loads, shows that it ran with the setting `on` (or without it). */
  check: (server: KeyholdServer, on: boolean) => void;
}

export const COST_GENERATOR = "autocannon (HTTPS keep-alive, pipelining 1), one fresh server at a time";

/** One fresh server with the setting on or off: the bench secret, a probe, the load, the check; then it is gone. */
async function measureServer(spec: SettingCostSpec, load: CostLoad, on: boolean, log: (message: string) => void): Promise<LoadResult> {
  const root = tempDir(on ? "setting-on" : "setting-off");
  const server = await startKeyhold(join(root, "data"), on ? spec.onArgs : spec.offArgs);
  const client = new Client(server);
  try {
    const headers = { authorization: `Bearer ${await client.authenticate()}`, "content-type": "application/json" };
    await client.vault("PUT", `/secrets/${BENCH_SECRET}?api-version=${API_VERSION}`, { value: "bench secret value ".padEnd(100, "x") });
    // One request first, so that a broken request fails with its answer instead of as 100% non-2xx.
    const request = load.requests[0]!;
    const reply = await client.send(request.method, request.path, request.body, headers);
    if (reply.status < 200 || reply.status > 299) throw new Error(`${load.id}: ${reply.status} ${reply.body}`);
    const r = await runLoad({
      url: server.url,
      headers,
      requests: load.requests,
      connections: load.connections,
      seconds: spec.seconds,
      warmupSeconds: spec.warmupSeconds,
    });
    log(`  ${on ? "on " : "off"}: ${num(r.rps)}/s, p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}`);
    if (loadFailures(r) > 0)
      log(`  ERRORS: ${r.errors} socket errors, ${r.timeouts} timeouts, status codes ${JSON.stringify(r.statusCodes)}`);
    spec.check(server, on);
    return r;
  } finally {
    client.close();
    await server.stop();
    removeDir(root);
  }
}

export async function measureSettingCost(spec: SettingCostSpec, log: (message: string) => void): Promise<SettingCost> {
  const rounds: Record<string, CostRound[]> = Object.fromEntries(spec.loads.map((load) => [load.id, []]));
  log(`off: keyhold dev ${spec.offArgs.join(" ")}; on: keyhold dev ${spec.onArgs.join(" ")}`);
  for (let round = 1; round <= spec.rounds; round++) {
    for (const load of spec.loads) {
      log(`round ${round} of ${spec.rounds}: ${load.title}, ${load.connections} conns`);
      const off = await measureServer(spec, load, false, log);
      const on = await measureServer(spec, load, true, log);
      rounds[load.id]!.push({ off, on, ratio: on.rps / off.rps });
      log(`  ratio ${num(on.rps / off.rps, 2)}`);
    }
  }
  return { generator: COST_GENERATOR, offArgs: spec.offArgs, onArgs: spec.onArgs, rounds };
}

const medianRound = (rounds: CostRound[]): CostRound => [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor((rounds.length - 1) / 2)]!;
const figures = (r: LoadResult): string => `${num(r.rps)}/s, p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}`;

/**
 * One row per load: the median round's on and off figures, its ratio with every round's, judged against `minRatio`
 * (and `extra`, where the row has another condition); errors are every round's on both sides.
 */
export function settingCostRows(
  cost: SettingCost,
  loads: CostLoad[],
  label: { setting: string; on: string; off: string; minRatio: number; extra?: (rounds: CostRound[]) => { note: string; met: boolean } },
): Row[] {
  return loads.map((load): Row => {
    const rounds = cost.rounds[load.id]!;
    const median = medianRound(rounds);
    const extra = label.extra?.(rounds);
    return {
      workload: `${load.title}, ${load.connections} conns, ${label.setting} (autocannon)`,
      keyhold: `${label.on}: ${figures(median.on)}${extra ? `; ${extra.note}` : ""}`,
      baseline: `${label.off}: ${figures(median.off)}`,
      ratio: `${num(median.ratio, 2)} (rounds ${rounds.map((r) => num(r.ratio, 2)).join(", ")})`,
      target: `≥ ${label.minRatio.toFixed(2)}`,
      met: median.ratio >= label.minRatio && (extra?.met ?? true),
      errors: rounds.reduce((n, r) => n + loadFailures(r.off) + loadFailures(r.on), 0),
    };
  });
}

/** Load failures in every round of every load, for the bench's exit code. */
export const settingCostFailed = (cost: SettingCost): string[] =>
  Object.entries(cost.rounds).flatMap(([id, rounds]) => (rounds.some((r) => loadFailures(r.off) + loadFailures(r.on) > 0) ? [id] : []));
