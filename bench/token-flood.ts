import { randomBytes, randomUUID } from "node:crypto";
import { type Client, API_VERSION } from "./client.js";
import { type LoadRequest, type LoadResult, runLoad } from "./load.js";
import { type Latency, percentile } from "./pages.js";
import { type Row, ms, num, ratio } from "./report.js";
import type { KeyholdServer } from "./server.js";

/**
 * Does an unauthenticated flood of wrong client secrets slow down writes? The token endpoint's secrets are
 * checked with scrypt (tens of milliseconds of CPU each); the store's commits wait for an fdatasync on the libuv
 * thread pool. While 40 connections send wrong secrets to POST /adfs/oauth2/token, one client sets secrets one at
 * a time (sequential, so its latency is the server's, not a queue of its own); the same again while 40
 * connections send GET /healthz, a request that costs the server as little as any can. The row is the ratio of
 * the two secret-set p50s: 1.0 means a wrong-secret flood hurts writes no more than any flood of cheap requests.
 *
 * The floods come from autocannon (load.ts) in a child process; the secret sets from the bench's own client
 * (client.ts: sub-millisecond timings, which autocannon's whole milliseconds cannot give at a few ms). Three
 * rounds, each a harmless flood then a wrong-secret flood back to back; the row shows the round with the median
 * ratio (on a shared machine the load drifts: a ratio within one round compares like with like). Then one more
 * pair from 40 loopback addresses (127.0.0.2 …, one connection each), which a per-address limit does not stop: it
 * shows what is left when an attacker has many addresses (the hash work is then bounded by the hash pool, not by
 * the limits). Forty separate generators send less than one, so that pair is compared only with itself. It is
 * reported, not judged.
 */
export interface FloodRun {
  flood: LoadResult;
  set: Latency;
}

export interface FloodPair {
  harmless: FloodRun;
  wrongSecret: FloodRun;
  /** wrongSecret.set.p50Ms / harmless.set.p50Ms */
  ratio: number;
}

export interface TokenFlood {
  connections: number;
  rounds: FloodPair[];
  /** The same pair from 40 source addresses; null where 127.0.0.2… cannot be bound. */
  distributed: FloodPair | null;
}

export const FLOOD_CONNECTIONS = 40;
const ROUNDS = 3;
const TARGET_RATIO = 1.5;

const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait));

/** Wrong secrets: half for the dev service principal (a real client id), half for unknown client ids. */
function wrongSecretRequests(env: Record<string, string>): LoadRequest[] {
  return Array.from({ length: 64 }, (_, i) => ({
    method: "POST",
    path: "/adfs/oauth2/token",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: i % 2 === 0 ? env.AZURE_CLIENT_ID! : randomUUID(),
      client_secret: randomBytes(32).toString("base64url"),
      scope: "https://vault.azure.net/.default",
    }).toString(),
  }));
}

/**
 * Runs the flood for `seconds` plus margins, and meanwhile sets secrets one after another for `seconds`,
 * starting once the flood's child has started and warmed up.
 */
async function underFlood(
  server: KeyholdServer,
  client: Client,
  flood: { headers: Record<string, string>; requests: LoadRequest[]; localAddresses?: string[] },
  seconds: number,
): Promise<FloodRun> {
  const floodDone = runLoad({
    url: flood.localAddresses ? `https://127.0.0.1:${server.port}` : server.url,
    headers: flood.headers,
    requests: flood.requests,
    connections: FLOOD_CONNECTIONS,
    seconds: seconds + 2,
    warmupSeconds: 1,
    ...(flood.localAddresses && { localAddresses: flood.localAddresses }),
  });
  let failed: unknown = null;
  floodDone.catch((error: unknown) => (failed = error));
  // The child forks, loads autocannon, connects and warms up for 1 s before the measured sets begin.
  await sleep(1_500);
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end && failed === null; i++) {
    const { ms: took } = await client.vault("PUT", `/secrets/flood-probe-${i % 50}?api-version=${API_VERSION}`, {
      value: `probe ${i}`.padEnd(100, "p"),
    });
    samples.push(took);
  }
  const result = await floodDone;
  samples.sort((a, b) => a - b);
  return { flood: result, set: { samples: samples.length, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) } };
}

/** Whether this machine can bind loopback aliases (Linux routes all of 127/8 to lo; macOS does not). */
async function loopbackAliases(count: number): Promise<string[] | null> {
  const { createServer, connect } = await import("node:net");
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
  const probe = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as { port: number }).port;
  const ok = await new Promise<boolean>((done) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress: addresses[addresses.length - 1]! }, () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
  probe.close();
  return ok ? addresses : null;
}

export async function tokenFloodFigures(
  server: KeyholdServer,
  client: Client,
  seconds: number,
  log: (message: string) => void,
): Promise<TokenFlood> {
  const harmless = { headers: {}, requests: [{ method: "GET" as const, path: "/healthz" }] };
  const wrong = { headers: { "content-type": "application/x-www-form-urlencoded" }, requests: wrongSecretRequests(server.env) };
  const pair = async (label: string, localAddresses?: string[]): Promise<FloodPair> => {
    const from = localAddresses ? { localAddresses } : {};
    log(`secret set (sequential) under a ${FLOOD_CONNECTIONS}-connection GET /healthz flood${label}`);
    const h = await underFlood(server, client, { ...harmless, ...from }, seconds);
    log(`  p50 ${ms(h.set.p50Ms)}, flood ${num(h.flood.rps)} req/s`);
    log(`secret set (sequential) under a ${FLOOD_CONNECTIONS}-connection wrong-secret token flood${label}`);
    const w = await underFlood(server, client, { ...wrong, ...from }, seconds);
    log(
      `  p50 ${ms(w.set.p50Ms)}, flood ${num(w.flood.rps)} req/s ${JSON.stringify(w.flood.statusCodes)}; ratio ${ratio(w.set.p50Ms, h.set.p50Ms)}`,
    );
    return { harmless: h, wrongSecret: w, ratio: w.set.p50Ms / h.set.p50Ms };
  };
  const figures: TokenFlood = { connections: FLOOD_CONNECTIONS, rounds: [], distributed: null };
  for (let round = 1; round <= ROUNDS; round++) figures.rounds.push(await pair(`, round ${round}`));
  const addresses = await loopbackAliases(FLOOD_CONNECTIONS);
  if (addresses) figures.distributed = await pair(`, from ${addresses.length} loopback addresses`, addresses);
  else log("  (no loopback aliases on this machine: the many-address floods are skipped)");
  return figures;
}

const median = (pairs: FloodPair[]): FloodPair => [...pairs].sort((a, b) => a.ratio - b.ratio)[Math.floor((pairs.length - 1) / 2)]!;
const codes = (r: LoadResult): string =>
  Object.entries(r.statusCodes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${num(count)}×${code}`)
    .join(" ");
/** Socket errors and timeouts of the floods (the wrong secrets' 401 and 429 answers are the point, not errors). */
const floodErrors = (p: FloodPair): number =>
  [p.harmless, p.wrongSecret].reduce((n, r) => n + r.flood.errors + r.flood.timeouts + r.flood.warmupErrors, 0) + p.harmless.flood.non2xx;

export function tokenFloodRows(f: TokenFlood): Row[] {
  const row = (title: string, p: FloodPair, judged: boolean): Row => ({
    workload: title,
    keyhold: `p50 ${ms(p.wrongSecret.set.p50Ms)}, p99 ${ms(p.wrongSecret.set.p99Ms)}; flood ${num(p.wrongSecret.flood.rps)} req/s (${codes(p.wrongSecret.flood)})`,
    baseline: `p50 ${ms(p.harmless.set.p50Ms)} under GET /healthz flood (${num(p.harmless.flood.rps)} req/s)`,
    ratio: `${num(p.ratio, 2)}${judged && f.rounds.length > 1 ? ` (rounds ${f.rounds.map((r) => num(r.ratio, 2)).join(", ")})` : ""}`,
    target: judged ? `≤ ${TARGET_RATIO.toFixed(2)}` : "—",
    met: judged ? p.ratio <= TARGET_RATIO : null,
    errors: floodErrors(p),
  });
  return [
    row(`secret set p50, ${f.connections}-conn wrong-secret token flood`, median(f.rounds), true),
    ...(f.distributed ? [row(`secret set p50, the same from ${f.connections} addresses`, f.distributed, false)] : []),
  ];
}
