import { consoleLoadFigures, consoleLoadRows } from "./console-load.js";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { startBaseline } from "./baseline-server.js";
import { type AuditCost, auditCostFigures, auditCostRows } from "./audit-cost.js";
import { type HsmSign, hsmSignFigures, hsmSignRows } from "./hsm-sign.js";
import { type CertificateCreate, certificateCreateFigures, certificateCreateRows } from "./certificate-create.js";
import { type RoleSpread, roleSpreadFigures, roleSpreadRows } from "./role-spread.js";
import { secretGetRoundFigures, secretGetRoundRows } from "./secret-get-rounds.js";
import { Client } from "./client.js";
import { oaep256Ceiling, rs256Ceiling } from "./crypto-ceilings.js";
import { cleanUp, installSignalHandlers, tempDir, wasInterrupted } from "./lifecycle.js";
import { type LoadResult, numberedAs, runLoad } from "./load.js";
import { type PageLatency, measurePages, percentile } from "./pages.js";
import { type Row, formatTable, machine, ms, num, writeResults } from "./report.js";
import { type Baselines, type ScalePoint, loadFailures, tableRows } from "./rows.js";
import { type StoreSize, seedSecrets, storeSize } from "./seed.js";
import { postgresFigures, postgresRows } from "./postgres.js";
import { type KeyholdServer, PROJECT_ROOT, WORKERS, type ColdStart, coldStart, rssBytes, startKeyhold } from "./server.js";
import { settingCostFailed } from "./setting-cost.js";
import { type ThrottleCost, throttleCostFigures, throttleCostRows } from "./throttle-cost.js";
import { type TokenFlood, tokenFloodFigures, tokenFloodRows } from "./token-flood.js";
import { type Generator, ensureWrk, runWrk } from "./wrk-load.js";
import { type RequestStalls, requestStallFigures, requestStallRows } from "./request-stalls.js";
import { type RsaPublic, type Workload, prepareVault, workloads } from "./workloads.js";

/**
 * `npm run bench`: the measurements of a real `keyhold dev` server against the machine's own ceilings,
 * printed as a table and written to bench/results/latest.json (workers-N.json with BENCH_WORKERS=N). Exits 1 if
 * any load saw socket errors, timeouts or non-2xx answers; a missed target is only reported. Loads are driven by wrk
 * where one fixed request serves (secret get, AES encrypt, token issue) and by autocannon where requests vary; the
 * bare HTTPS baseline is measured with both, and each row is compared with its own generator's (workloads.ts).
 *
 * Environment: BENCH_SECONDS (5) per load after a 1 s warm-up; BENCH_FULL=1 adds the 1,000,000-secret point;
 * BENCH_WALK_SECONDS (120) bounds the walk through every page of the secret list; BENCH_WORKERS=N starts the
 * server with `--workers N` (node:cluster), to measure it both ways. BENCH_ONLY=NAME runs one subset of rows on
 * fresh servers of its own and writes bench/results/NAME.json instead of latest.json (SUBSETS below): token-flood
 * (about 75 s), secret-get (the secret-get target alternated with the baseline, a minute), role-spread (under a
 * minute), certificate-create (a minute or two), stalls (the longest event-loop block per heavy request, two or three
 * minutes), audit (what the audit trail and throttling cost, six or seven), hsm (RS256 and ES256 on the PKCS#11 backend
 * against SoftHSM2's own speed, and over HTTP on -HSM keys against software keys; two or three minutes).
 */
const SECONDS = Number(process.env.BENCH_SECONDS) || 5;
const WARMUP_SECONDS = 1;
const FULL = process.env.BENCH_FULL === "1";
const WALK_BUDGET_SECONDS = Number(process.env.BENCH_WALK_SECONDS) || 120;
const CONNECTIONS = [32, 128] as const;
/** Both generators drive the bare server, so that each row is compared with a baseline measured its own way. */
const GENERATORS: readonly Generator[] = ["autocannon", "wrk"];
const PAGE_SAMPLES = 200;
const COLD_STARTS = 3;
const VAULT = "keyhold-dev";
const ONLY = process.env.BENCH_ONLY ?? "";
/** A run with workers writes its own file, so that it never replaces the single-process figures. */
const RESULTS_FILE = join(PROJECT_ROOT, `bench/results/${WORKERS ? `workers-${WORKERS}` : "latest"}.json`);

const started = performance.now();
const log = (message: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const secretGetOf = (list: Workload[]): Workload => list.find((w) => w.id === "secret-get")!;

/** One load with the workload's generator: wrk replays its one request, autocannon cycles through its requests. */
function load(port: number, w: Pick<Workload, "headers" | "requests" | "generator">, connections: number): Promise<LoadResult> {
  if (w.generator === "wrk") {
    const [request, ...more] = w.requests;
    if (!request || more.length > 0 || request.numbered) throw new Error("wrk replays exactly one fixed request");
    return runWrk({
      url: `https://localhost:${port}${request.path}`,
      method: request.method,
      headers: w.headers,
      ...(request.body !== undefined && { body: request.body }),
      connections,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
    });
  }
  return runLoad({
    url: `https://localhost:${port}`,
    headers: w.headers,
    requests: w.requests,
    connections,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
  });
}

/** Starts the server on `dir` and returns it with an authenticated client (a restart changes the issuer's port). */
async function serve(dir: string): Promise<{ server: KeyholdServer; client: Client }> {
  const server = await startKeyhold(dir);
  const client = new Client(server);
  await client.authenticate();
  return { server, client };
}

/** One request of each workload first, so that a broken request fails with its answer instead of as 100% non-2xx. */
async function probe(client: Client, w: Workload): Promise<void> {
  const request = numberedAs(w.requests[0]!, "probe");
  const reply = await client.send(request.method, request.path, request.body, w.headers);
  if (reply.status < 200 || reply.status > 299) throw new Error(`${w.id}: ${reply.status} ${reply.body}`);
}

async function pagesOf(client: Client): Promise<PageLatency> {
  const pages = await measurePages(client, PAGE_SAMPLES, WALK_BUDGET_SECONDS * 1000);
  const reached = pages.reachedEnd ? "" : ` (walk stopped after ${WALK_BUDGET_SECONDS} s: "last" is the deepest page reached)`;
  log(`  ${pages.items} secrets listed in ${pages.pages} pages, ${(pages.walkMs / 1000).toFixed(1)} s${reached}`);
  log(
    `  first page p50 ${ms(pages.firstPage.p50Ms)} p99 ${ms(pages.firstPage.p99Ms)}; last page p50 ${ms(pages.lastPage.p50Ms)} p99 ${ms(pages.lastPage.p99Ms)}`,
  );
  return pages;
}

/** After bulk seeding: secret get at 32 connections, the page latencies, the server's RSS. */
async function scalePoint(nominal: number, server: KeyholdServer, client: Client, rsaPublic: RsaPublic): Promise<ScalePoint> {
  log(`scale point: ${num(nominal)} secrets: secret get, 32 connections`);
  const secretGet32 = await load(server.port, secretGetOf(workloads(client.bearer, server.env, rsaPublic)), 32);
  const pages = await pagesOf(client);
  return { nominal, secretGet32, pages, rssBytes: rssBytes(server.pid) };
}

/** The audit trail's cost, then counting's for throttling: each alternates fresh servers of its own, one at a time. */
async function operationsCostFigures(): Promise<{ auditCost: AuditCost; throttleCost: ThrottleCost }> {
  const load = { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS };
  log("audit trail: --audit off against --audit file, fresh servers alternated");
  const auditCost = await auditCostFigures(load, log);
  log("throttling: --throttle off against --throttle FILE (limits never reached), both --audit off, fresh servers alternated");
  const throttleCost = await throttleCostFigures(load, log);
  return { auditCost, throttleCost };
}

const operationsCostFailed = (f: { auditCost: AuditCost; throttleCost: ThrottleCost }): string[] => [
  ...settingCostFailed(f.auditCost).map((id) => `audit ${id}`),
  ...settingCostFailed(f.throttleCost).map((id) => `throttle ${id}`),
];

/** What one BENCH_ONLY subset measured: its figures (by their results-file names), its rows, the loads that failed. */
interface SubsetResult {
  figures: Record<string, unknown>;
  rows: Row[];
  failed: string[];
}

const failedRows = (rows: readonly Row[]): string[] => rows.filter((r) => (r.errors ?? 0) > 0).map((r) => r.workload);

/** The BENCH_ONLY subsets: each runs on fresh servers of its own (as in a whole run) and writes bench/results/NAME.json. */
const SUBSETS: Record<string, { rows: string; measure: () => Promise<SubsetResult> }> = {
  "token-flood": {
    rows: "token-flood rows",
    measure: async () => {
      const { server, client } = await serve(join(tempDir("flood"), "data"));
      const tokenFlood = await tokenFloodFigures(server, client, SECONDS, log);
      client.close();
      await server.stop();
      const rows = tokenFloodRows(tokenFlood);
      return { figures: { tokenFlood }, rows, failed: failedRows(rows) };
    },
  },
  "secret-get": {
    rows: "secret-get row, alternated with the baseline",
    measure: async () => {
      const secretGetRounds = await secretGetRoundFigures({ seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }, log);
      const rows = secretGetRoundRows(secretGetRounds);
      return { figures: { secretGetRounds }, rows, failed: failedRows(rows) };
    },
  },
  "role-spread": {
    rows: "role-spread row",
    measure: async () => {
      const roleSpread = await roleSpreadFigures({ seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }, log);
      const rows = roleSpreadRows(roleSpread);
      return { figures: { roleSpread }, rows, failed: failedRows(rows) };
    },
  },
  "certificate-create": {
    rows: "certificate-create rows",
    measure: async () => {
      const certificateCreate = await certificateCreateFigures(
        { connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS },
        log,
      );
      const rows = certificateCreateRows(certificateCreate);
      return { figures: { certificateCreate }, rows, failed: failedRows(rows) };
    },
  },
  stalls: {
    rows: "longest event-loop block per heavy request kind",
    measure: async () => {
      const requestStalls = await requestStallFigures(log);
      return { figures: { requestStalls }, rows: requestStallRows(requestStalls), failed: [] };
    },
  },
  audit: {
    rows: "audit and throttling rows",
    measure: async () => {
      const figures = await operationsCostFigures();
      const rows = [...auditCostRows(figures.auditCost), ...throttleCostRows(figures.throttleCost)];
      return { figures, rows, failed: operationsCostFailed(figures) };
    },
  },
  console: {
    rows: "the web console's first load in Chromium and its script's size",
    measure: async () => {
      const consoleLoad = await consoleLoadFigures(log);
      return { figures: { consoleLoad }, rows: consoleLoadRows(consoleLoad), failed: [] };
    },
  },
  hsm: {
    rows: "PKCS#11 RS256 and ES256 sign rows (the backend against SoftHSM2's own speed; HTTP, -HSM keys against software)",
    measure: async () => {
      const hsmSign = await hsmSignFigures({ seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }, log);
      const rows = hsmSignRows(hsmSign);
      return { figures: { hsmSign }, rows, failed: failedRows(rows) };
    },
  },
};

/** BENCH_ONLY=NAME: that subset's rows, nothing else, written to bench/results/NAME[-workers-N].json. */
async function subsetOnly(name: string): Promise<number> {
  const subset = SUBSETS[name];
  if (!subset) throw new Error(`BENCH_ONLY=${name}: the subsets are ${Object.keys(SUBSETS).join(", ")}`);
  log(`keyhold bench, ${subset.rows} only: ${SECONDS} s per load${WORKERS ? `, keyhold dev --workers ${WORKERS}` : ""}`);
  const { figures, rows, failed } = await subset.measure();
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  const file = join(PROJECT_ROOT, `bench/results/${name}${WORKERS ? `-workers-${WORKERS}` : ""}.json`);
  writeResults(file, {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS, workers: WORKERS },
    ...figures,
    rows,
    failedLoads: failed,
  });
  log(`results written to ${file}`);
  if (failed.length > 0) log(`FAILED: socket errors, timeouts or non-2xx answers in ${failed.join(", ")}`);
  return failed.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  installSignalHandlers();
  if (ONLY !== "") return subsetOnly(ONLY);
  await ensureWrk(log);
  const root = tempDir("run");
  const dir = join(root, "data");
  log(
    `keyhold bench: ${SECONDS} s per load after ${WARMUP_SECONDS} s warm-up, ${CONNECTIONS.join(" and ")} connections${FULL ? ", up to 1,000,000 secrets" : ""}${WORKERS ? `, keyhold dev --workers ${WORKERS}` : ""}`,
  );

  log("cold start on fresh directories");
  const coldFresh: ColdStart[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const fresh = join(root, `fresh-${i}`);
    coldFresh.push(await coldStart(fresh));
    rmSync(fresh, { recursive: true, force: true });
  }

  log("first start: idle RSS, the keys and the bench secret");
  let { server, client } = await serve(dir);
  await new Promise((r) => setTimeout(r, 500));
  const rssIdle = rssBytes(server.pid);
  const { rsaPublic } = await prepareVault(client);
  client.close();
  await server.stop();

  log("seeding 1,000 secrets (store opened directly, server stopped)");
  const seeding = [await seedSecrets(dir, VAULT, 0, 1_000)];
  ({ server, client } = await serve(dir));
  const all = workloads(client.bearer, server.env, rsaPublic);
  for (const w of all) await probe(client, w);
  log("list pages at 1,000 secrets");
  const pages1k = await pagesOf(client);

  // The baseline is measured before and after Keyhold's workloads and the better run is kept: on a shared
  // machine a dip in one run is interference, not the bare server's capacity (both runs are in the JSON).
  const baselineServer = await startBaseline(join(dir, "server.pem"), join(dir, "server-key.pem"));
  const baselineRuns: Baselines[] = [];
  const measureBaseline = async (when: string) => {
    const run: Baselines = { autocannon: {}, wrk: {} };
    for (const generator of GENERATORS) {
      for (const c of CONNECTIONS) {
        log(`baseline (bare node:https, 200-byte JSON), ${generator}, ${c} connections, ${when}`);
        run[generator][c] = await load(baselineServer.port, { headers: {}, requests: [{ method: "GET", path: "/" }], generator }, c);
      }
    }
    baselineRuns.push(run);
  };
  await measureBaseline("before");
  log("node:crypto ceilings (no HTTP, thread pool, all cores)");
  const ceilings = { rs256: await rs256Ceiling(SECONDS, WARMUP_SECONDS), oaep256: await oaep256Ceiling(SECONDS, WARMUP_SECONDS) };

  const results: Record<string, Record<number, LoadResult>> = {};
  for (const w of all) {
    results[w.id] = {};
    for (const c of CONNECTIONS) {
      log(`${w.title}, ${c} connections`);
      const r = (results[w.id]![c] = await load(server.port, w, c));
      if (loadFailures(r) > 0)
        log(`  ERRORS: ${r.errors} socket errors, ${r.timeouts} timeouts, status codes ${JSON.stringify(r.statusCodes)}`);
    }
  }
  // Last on this server: the wrong-secret flood throttles the bench's address at the token endpoint for a while.
  const tokenFlood: TokenFlood = await tokenFloodFigures(server, client, SECONDS, log);
  await measureBaseline("after");
  await baselineServer.stop();
  const baseline: Baselines = { autocannon: {}, wrk: {} };
  for (const generator of GENERATORS) {
    for (const c of CONNECTIONS) {
      baseline[generator][c] = baselineRuns.map((run) => run[generator][c]!).reduce((best, r) => (r.rps > best.rps ? r : best));
    }
  }
  const rssAfterLoad = rssBytes(server.pid);
  const scale: ScalePoint[] = [{ nominal: 1_000, secretGet32: results["secret-get"]![32]!, pages: pages1k, rssBytes: rssAfterLoad }];
  client.close();
  await server.stop();

  log("seeding to 100,000 secrets");
  const storeBefore100k = storeSize(dir);
  seeding.push(await seedSecrets(dir, VAULT, 1_000, 100_000));
  const storeAt100k = storeSize(dir);
  log("cold start on the existing directory (100,000 secrets)");
  const coldExisting: ColdStart[] = [];
  for (let i = 0; i < COLD_STARTS; i++) coldExisting.push(await coldStart(dir));
  ({ server, client } = await serve(dir));
  const rssAfterStartAt100k = rssBytes(server.pid);
  scale.push(await scalePoint(100_000, server, client, rsaPublic));
  client.close();
  await server.stop();

  let storeAt1m: StoreSize | null = null;
  if (FULL) {
    log("seeding to 1,000,000 secrets");
    seeding.push(await seedSecrets(dir, VAULT, 100_000, 1_000_000));
    storeAt1m = storeSize(dir);
    ({ server, client } = await serve(dir));
    scale.push(await scalePoint(1_000_000, server, client, rsaPublic));
    client.close();
    await server.stop();
  }

  log("longest event-loop block per heavy request (a server of its own; GET /healthz every 5 ms meanwhile)");
  const requestStalls: RequestStalls = await requestStallFigures(log);

  log("certificate create (Self, RSA-2048), a server of its own");
  const certificateCreate: CertificateCreate = await certificateCreateFigures(
    { connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS },
    log,
  );

  const operationsCost = await operationsCostFigures();

  log("role spread: secret get by a caller with roles in 100 vaults and by one with a role in 1 (a server of its own, wrk)");
  const roleSpread: RoleSpread = await roleSpreadFigures({ seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }, log);

  const hsmSign: HsmSign = await hsmSignFigures({ seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }, log);

  const postgres = WORKERS ? null : await postgresFigures(SECONDS, WARMUP_SECONDS, log);

  const medianStart = (starts: ColdStart[]) => ({
    ms: median(starts.map((s) => s.ms)),
    cpuMs: starts.every((s) => s.cpuMs !== null) ? median(starts.map((s) => s.cpuMs!)) : null,
  });
  const coldStartMedianMs = { fresh: medianStart(coldFresh), existing: medianStart(coldExisting) };
  const sqliteRows = tableRows({
    workloads: all,
    connections: CONNECTIONS,
    results,
    baseline,
    ceilings,
    coldStartMedianMs,
    rssIdleBytes: rssIdle,
    storeBefore100k,
    storeAt100k,
    seededTo100k: seeding[1]!.seeded,
    scale,
  });
  const rows = [
    ...sqliteRows,
    ...tokenFloodRows(tokenFlood),
    ...requestStallRows(requestStalls),
    ...certificateCreateRows(certificateCreate),
    ...auditCostRows(operationsCost.auditCost),
    ...throttleCostRows(operationsCost.throttleCost),
    ...roleSpreadRows(roleSpread),
    ...hsmSignRows(hsmSign),
    ...(postgres
      ? postgresRows(postgres, baseline.autocannon[32]!.rps, {
          "secret-get": results["secret-get"]![32]!,
          "secret-set": results["secret-set"]![32]!,
        })
      : []),
  ];
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  const failed = [
    ...all.flatMap((w) => CONNECTIONS.filter((c) => loadFailures(results[w.id]![c]!) > 0).map((c) => `${w.id} @${c}`)),
    ...(tokenFloodRows(tokenFlood).some((r) => (r.errors ?? 0) > 0) ? ["token-flood"] : []),
    ...CONNECTIONS.filter((c) => loadFailures(certificateCreate.results[c]!) > 0).map((c) => `certificate-create @${c}`),
    ...operationsCostFailed(operationsCost),
    ...(roleSpreadRows(roleSpread).some((r) => (r.errors ?? 0) > 0) ? ["role-spread"] : []),
    ...failedRows(hsmSignRows(hsmSign)),
  ];
  const totalSeconds = (performance.now() - started) / 1000;
  writeResults(RESULTS_FILE, {
    date: new Date().toISOString(),
    machine: machine(),
    settings: {
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      pipelining: 1,
      full: FULL,
      pageSamples: PAGE_SAMPLES,
      workers: WORKERS,
    },
    totalSeconds,
    baseline,
    baselineRuns,
    ceilings,
    workloads: results,
    coldStartMs: { fresh: coldFresh, existing: coldExisting, median: coldStartMedianMs },
    rssBytes: { idle: rssIdle, afterLoadAt1k: rssAfterLoad, afterStartAt100k: rssAfterStartAt100k, after100k: scale[1]!.rssBytes },
    store: { before100k: storeBefore100k, at100k: storeAt100k, at1m: storeAt1m },
    seeding,
    scale,
    tokenFlood,
    requestStalls,
    certificateCreate,
    ...operationsCost,
    roleSpread,
    hsmSign,
    postgres,
    rows,
    failedLoads: failed,
  });
  log(`results written to ${RESULTS_FILE}; total ${totalSeconds.toFixed(0)} s`);
  if (failed.length > 0) log(`FAILED: socket errors, timeouts or non-2xx answers in ${failed.join(", ")}`);
  return failed.length > 0 ? 1 : 0;
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    if (wasInterrupted()) return; // the signal handler stops everything and exits 130
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanUp();
    process.exit(1);
  });
