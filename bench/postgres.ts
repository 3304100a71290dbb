import { join } from "node:path";
import pg from "pg";
import { postgresInstalled, startThrowawayPostgres } from "../test/support/throwaway-postgres.js";
import { Client } from "./client.js";
import { tempDir } from "./lifecycle.js";
import type { InsertCeilingRun } from "./insert-ceiling-run.js";
import { type LoadResult, runLoad } from "./load.js";
import { type InsertCeiling, insertCeilingMeter, insertCeilingOf } from "./postgres-ceiling.js";
import { type Row, ms, num, ratio } from "./report.js";
import { type KeyholdServer, startKeyhold } from "./server.js";
import { type Workload, prepareVault, workloads } from "./workloads.js";

/**
 * Secret get and set on PostgreSQL (fsync on), with one node and with two sharing the load, and PostgreSQL's own
 * INSERT+COMMIT ceiling on the same server at the same concurrency, measured before and after them.
 */
export interface PostgresFigures {
  oneNode: Record<"secret-get" | "secret-set", LoadResult>;
  twoNodes: Record<"secret-get" | "secret-set", LoadResult>;
  insertCeiling: InsertCeiling;
}

const CONNECTIONS = 32;

/** Two loads at once, one per node, as one figure: requests summed, the worse latencies. */
function combine(a: LoadResult, b: LoadResult): LoadResult {
  return {
    ...a,
    connections: a.connections + b.connections,
    requests: a.requests + b.requests,
    rps: a.rps + b.rps,
    p50Ms: Math.max(a.p50Ms, b.p50Ms),
    p90Ms: Math.max(a.p90Ms, b.p90Ms),
    p99Ms: Math.max(a.p99Ms, b.p99Ms),
    maxMs: Math.max(a.maxMs, b.maxMs),
    bytesPerSec: a.bytesPerSec + b.bytesPerSec,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    non2xx: a.non2xx + b.non2xx,
    statusCodes: {},
  };
}

export async function postgresFigures(seconds: number, warmupSeconds: number, log: (m: string) => void): Promise<PostgresFigures | null> {
  if (!postgresInstalled()) {
    log("PostgreSQL is not installed here: no PostgreSQL figures");
    return null;
  }
  const root = tempDir("postgres");
  const server = (await startThrowawayPostgres(root, { fsync: true }))!;
  const nodes: KeyholdServer[] = [];
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE DATABASE keyhold_bench");
    await admin.end();
    const url = server.url.replace(/\/postgres$/, "/keyhold_bench");
    const ceiling = await insertCeilingMeter(server.url, { connections: CONNECTIONS, seconds, warmupSeconds });
    const ceilingRuns: InsertCeilingRun[] = [];
    log(`PostgreSQL's own INSERT+COMMIT ceiling, ${CONNECTIONS} connections (${ceiling.generator}), before Keyhold's loads`);
    ceilingRuns.push(await ceiling.measure());
    const dir = join(root, "data");
    const load = (node: KeyholdServer, w: Workload, connections: number) =>
      runLoad({ url: `https://localhost:${node.port}`, headers: w.headers, requests: w.requests, connections, seconds, warmupSeconds });

    nodes.push(await startKeyhold(dir, ["--database", url]));
    const client = new Client(nodes[0]!);
    await client.authenticate();
    const { rsaPublic } = await prepareVault(client);
    const pick = (id: string) => workloads(client.bearer, nodes[0]!.env, rsaPublic).find((w) => w.id === id)!;
    const ids = ["secret-get", "secret-set"] as const;
    const oneNode = {} as PostgresFigures["oneNode"];
    for (const id of ids) {
      log(`PostgreSQL, one node: ${id}, ${CONNECTIONS} connections`);
      oneNode[id] = await load(nodes[0]!, pick(id), CONNECTIONS);
    }
    nodes.push(await startKeyhold(dir, ["--database", url]));
    const twoNodes = {} as PostgresFigures["twoNodes"];
    for (const id of ids) {
      log(`PostgreSQL, two nodes: ${id}, ${CONNECTIONS / 2} connections each`);
      const [a, b] = await Promise.all(nodes.map((node) => load(node, pick(id), CONNECTIONS / 2)));
      twoNodes[id] = combine(a!, b!);
    }
    client.close();
    for (const node of nodes.splice(0)) await node.stop();
    log(`PostgreSQL's own INSERT+COMMIT ceiling, ${CONNECTIONS} connections (${ceiling.generator}), after Keyhold's loads`);
    ceilingRuns.push(await ceiling.measure());
    return { oneNode, twoNodes, insertCeiling: insertCeilingOf(ceiling.generator, ceilingRuns) };
  } finally {
    for (const node of nodes) await node.stop();
    server.stop();
  }
}

/**
 * Table rows for the PostgreSQL figures, against the run's baseline and beside SQLite's; then PostgreSQL's own
 * write ceiling and secret set against it. The target is one node's; two nodes on this machine share its cores
 * with PostgreSQL and the load generator, so their ratio is reported only.
 */
export function postgresRows(f: PostgresFigures, baselineRps: number, sqlite: Record<"secret-get" | "secret-set", LoadResult>): Row[] {
  const row = (label: string, r: LoadResult): Row => ({
    workload: label,
    keyhold: `${num(r.rps)}/s, p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}`,
    baseline: `${num(baselineRps)} req/s (https)`,
    ratio: ratio(r.rps, baselineRps),
    target: "—",
    met: null,
    errors: r.errors + r.timeouts + r.non2xx,
  });
  return [
    row("secret get, SQLite, 1 process, 32 conns", sqlite["secret-get"]),
    row("secret get, PostgreSQL, 1 node, 32 conns", f.oneNode["secret-get"]),
    row("secret get, PostgreSQL, 2 nodes, 2×16 conns", f.twoNodes["secret-get"]),
    row("secret set, SQLite, 1 process, 32 conns", sqlite["secret-set"]),
    row("secret set, PostgreSQL, 1 node, 32 conns", f.oneNode["secret-set"]),
    row("secret set, PostgreSQL, 2 nodes, 2×16 conns", f.twoNodes["secret-set"]),
    ...insertCeilingRows(f.insertCeiling, f.oneNode["secret-set"], f.twoNodes["secret-set"]),
  ];
}

/** The share of PostgreSQL's own INSERT+COMMIT rate that one Keyhold node's secret set reaches. */
const MIN_CEILING_RATIO = 0.5;

function insertCeilingRows(ceiling: InsertCeiling, oneNode: LoadResult, twoNodes: LoadResult): Row[] {
  const { best, generator } = ceiling;
  const against = (label: string, r: LoadResult, target: boolean): Row => ({
    workload: `${label} (autocannon) ÷ PostgreSQL's INSERT+COMMIT ceiling`,
    keyhold: `${num(r.rps)}/s, p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}`,
    baseline: `${num(best.tps)} tx/s (${generator})`,
    ratio: ratio(r.rps, best.tps),
    target: target ? `≥ ${MIN_CEILING_RATIO.toFixed(2)}` : "—",
    met: target ? r.rps / best.tps >= MIN_CEILING_RATIO : null,
    errors: r.errors + r.timeouts + r.non2xx,
  });
  return [
    {
      workload: `PostgreSQL's own INSERT+COMMIT ceiling, ${best.connections} conns (${generator})`,
      keyhold: "—",
      baseline: `${num(best.tps)} tx/s, latency avg ${ms(best.latencyAvgMs)} (fsync on, ${best.generator})`,
      ratio: "",
      target: "—",
      met: null,
      errors: best.failed,
    },
    against(`secret set, PostgreSQL, 1 node, ${oneNode.connections} conns`, oneNode, true),
    against(`secret set, PostgreSQL, 2 nodes, 2×${twoNodes.connections / 2} conns`, twoNodes, false),
  ];
}
