import { Agent, request } from "node:https";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { API_VERSION, Client } from "./client.js";
import { cleanUp, installSignalHandlers, tempDir } from "./lifecycle.js";
import { type Row, formatTable, ms } from "./report.js";
import { type KeyholdServer, startKeyhold } from "./server.js";

/**
 * How long can one `POST /secrets/import` of 1,000 secrets (the most one request may hold) keep the server's
 * event loop, and so every other request in every vault, waiting? While the bench's client imports 1,000
 * secrets of 1 KB, GET /healthz goes out every 5 ms on connections of its own, opened beforehand; a ping sent
 * as a stall begins waits for all of it, so the slowest ping is the longest stall (plus one ping's own ~1 ms).
 * The same pings without an import give the floor (what the machine itself adds). Five imports; the row is their
 * median, against the 50 ms a request may hold the event loop.
 *
 * On a server of its own (a fresh data directory), so that the 5,000 secrets it adds change no other row.
 * Standalone (about 20 s): `node dist/bench/import-block.js`.
 */
export interface ImportRound {
  importMs: number;
  slowestPingMs: number;
  pings: number;
}

export interface ImportBlock {
  secrets: number;
  valueBytes: number;
  pingEveryMs: number;
  /** The same pings for as long as an import takes, without one. */
  idleSlowestPingMs: number;
  rounds: ImportRound[];
}

const SECRETS = 1000;
const VALUE_BYTES = 1000;
const PING_EVERY_MS = 5;
const ROUNDS = 5;
const TARGET_MS = 50;
/** Open before the measurement: a TLS handshake during it would be measured too. */
const PING_CONNECTIONS = 32;

const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait));

/** Pings GET /healthz every PING_EVERY_MS while `during` runs; the slowest answer and how many there were. */
async function pinging(
  server: KeyholdServer,
  agent: Agent,
  during: () => Promise<unknown>,
): Promise<{ slowestPingMs: number; pings: number }> {
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  const ping = () =>
    new Promise<void>((done, fail) => {
      const sent = performance.now();
      const req = request({ host: "localhost", port: server.port, path: "/healthz", agent }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - sent);
          done();
        });
      });
      req.on("error", fail);
      req.end();
    });
  const timer = setInterval(() => inFlight.push(ping()), PING_EVERY_MS);
  try {
    await during();
    await sleep(4 * PING_EVERY_MS);
  } finally {
    clearInterval(timer);
    await Promise.all(inFlight);
  }
  return { slowestPingMs: Math.max(...latencies), pings: latencies.length };
}

/** Starts a fresh server, measures, stops it. */
export async function importBlockFigures(log: (message: string) => void): Promise<ImportBlock> {
  const server = await startKeyhold(join(tempDir("import-block"), "data"));
  const client = new Client(server);
  try {
    await client.authenticate();
    return await measure(server, client, log);
  } finally {
    client.close();
    await server.stop();
  }
}

async function measure(server: KeyholdServer, client: Client, log: (message: string) => void): Promise<ImportBlock> {
  const agent = new Agent({ keepAlive: true, maxSockets: PING_CONNECTIONS, ca: server.ca });
  try {
    await Promise.all(Array.from({ length: PING_CONNECTIONS }, () => pinging(server, agent, async () => {})));
    const value = "v".repeat(VALUE_BYTES);
    const rounds: ImportRound[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const secrets = Array.from({ length: SECRETS }, (_, i) => ({ name: `import-block-${round}-${i}`, value }));
      let importMs = 0;
      const pings = await pinging(server, agent, async () => {
        ({ ms: importMs } = await client.vault("POST", `/secrets/import?api-version=${API_VERSION}`, { secrets }));
      });
      rounds.push({ importMs, ...pings });
      log(
        `  import ${round}: ${SECRETS} × ${VALUE_BYTES} B in ${ms(importMs)}; slowest of ${pings.pings} pings ${ms(pings.slowestPingMs)}`,
      );
    }
    const longest = Math.max(...rounds.map((r) => r.importMs));
    const idle = await pinging(server, agent, () => sleep(longest));
    log(`  the same pings for ${ms(longest)} without an import: slowest ${ms(idle.slowestPingMs)}`);
    return { secrets: SECRETS, valueBytes: VALUE_BYTES, pingEveryMs: PING_EVERY_MS, idleSlowestPingMs: idle.slowestPingMs, rounds };
  } finally {
    agent.destroy();
  }
}

const medianOf = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function importBlockRows(f: ImportBlock): Row[] {
  const slowest = medianOf(f.rounds.map((r) => r.slowestPingMs));
  return [
    {
      workload: `longest event-loop block during a ${f.secrets.toLocaleString("en-US")}-secret import`,
      keyhold: `slowest /healthz ${ms(slowest)} (median of ${f.rounds.length}: ${f.rounds.map((r) => ms(r.slowestPingMs)).join(", ")}; import ${ms(medianOf(f.rounds.map((r) => r.importMs)))})`,
      baseline: `slowest /healthz ${ms(f.idleSlowestPingMs)} without an import`,
      ratio: "",
      target: `≤ ${TARGET_MS} ms`,
      met: slowest <= TARGET_MS,
      errors: null,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  installSignalHandlers();
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const main = async () => {
    log(`${SECRETS}-secret imports, GET /healthz every ${PING_EVERY_MS} ms`);
    const figures = await importBlockFigures(log);
    process.stdout.write(`\n${formatTable(importBlockRows(figures))}\n\n${JSON.stringify(figures)}\n`);
  };
  main()
    .then(cleanUp)
    .catch(async (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await cleanUp();
      process.exit(1);
    });
}
