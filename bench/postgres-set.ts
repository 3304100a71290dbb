import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { startThrowawayPostgres } from "../test/support/throwaway-postgres.js";
import { Client } from "./client.js";
import { cleanUp, installSignalHandlers, tempDir } from "./lifecycle.js";
import { runLoad } from "./load.js";
import { insertCeilingMeter } from "./postgres-ceiling.js";
import { cpuMs, startKeyhold } from "./server.js";
import { prepareVault, workloads } from "./workloads.js";

/**
 * The PostgreSQL secret-set row on its own, against PostgreSQL's INSERT+COMMIT ceiling, alternated ROUNDS times
 * on one throw-away server (fsync on), so that the machine's other load falls on both alike:
 * `node dist/bench/postgres-set.js [seconds] [rounds]`. Beside each set run it prints what PostgreSQL saw
 * (commits, rollbacks, serialization failures in its log), the Keyhold process's CPU per request, and at the end
 * the statements (round trips) one secret set sends, counted from a short run with `log_statement = all`.
 */
const CONNECTIONS = 32;
const DATABASE = "keyhold_bench";

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 3);
  installSignalHandlers();
  const root = tempDir("postgres-set");
  const server = (await startThrowawayPostgres(root, { fsync: true }))!;
  const logFile = join(root, "postgres", "log");
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  const url = server.url.replace(/\/postgres$/, `/${DATABASE}`);
  const ceiling = await insertCeilingMeter(server.url, { connections: CONNECTIONS, seconds, warmupSeconds: 3 });
  const node = await startKeyhold(join(root, "data"), ["--database", url]);
  const client = new Client(node);
  await client.authenticate();
  const { rsaPublic } = await prepareVault(client);
  const set = workloads(client.bearer, node.env, rsaPublic).find((w) => w.id === "secret-set")!;
  const load = (s: number) =>
    runLoad({
      url: `https://localhost:${node.port}`,
      headers: set.headers,
      requests: set.requests,
      connections: CONNECTIONS,
      seconds: s,
      warmupSeconds: 1,
    });
  const stats = async () => {
    const row = (
      await admin.query<{ c: string; r: string }>("SELECT xact_commit AS c, xact_rollback AS r FROM pg_stat_database WHERE datname = $1", [
        DATABASE,
      ])
    ).rows[0]!;
    const failures = (readFileSync(logFile, "utf8").match(/could not serialize access/g) ?? []).length;
    return { commits: Number(row.c), rollbacks: Number(row.r), failures, cpu: cpuMs(node.pid) ?? 0 };
  };
  try {
    for (let round = 1; round <= rounds; round++) {
      const c = await ceiling.measure();
      console.log(`round ${round}: ceiling ${c.tps.toFixed(0)} tx/s (${c.generator}, ${CONNECTIONS} conns)`);
      const before = await stats();
      const r = await load(seconds);
      const after = await stats();
      const served = r.requests + (r.warmupErrors ?? 0);
      console.log(
        `round ${round}: secret set ${r.rps.toFixed(0)}/s = ${(r.rps / c.tps).toFixed(3)} of the ceiling, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ` +
          `errors ${r.errors + r.timeouts + r.non2xx}; PostgreSQL (warm-up included): commits ${after.commits - before.commits}, ` +
          `rollbacks ${after.rollbacks - before.rollbacks}, serialization failures ${after.failures - before.failures}; ` +
          `Keyhold CPU ${(((after.cpu - before.cpu) / served) * 1000).toFixed(0)} µs per measured request`,
      );
    }
    const sets = async () => {
      const bench = new pg.Client({ connectionString: url });
      await bench.connect();
      const n = Number((await bench.query<{ n: string }>("SELECT count(*) AS n FROM object_versions")).rows[0]!.n);
      await bench.end();
      return n;
    };
    await admin.query("ALTER SYSTEM SET log_statement = 'all'");
    await admin.query("SELECT pg_reload_conf()");
    const logged = readFileSync(logFile, "utf8").length;
    const setsBefore = await sets();
    await load(2);
    const setsDone = (await sets()) - setsBefore;
    await admin.query("ALTER SYSTEM RESET log_statement");
    await admin.query("SELECT pg_reload_conf()");
    const text = readFileSync(logFile, "utf8").slice(logged);
    const statements = (text.match(/LOG: {2}(statement|execute [^:]*): /g) ?? []).length;
    const inTransactions = (text.match(/LOG: {2}(statement|execute [^:]*): (BEGIN|SAVEPOINT|RELEASE|ROLLBACK|COMMIT)/g) ?? []).length;
    console.log(
      `statements logged in a 3 s run: ${statements} (${inTransactions} of them BEGIN, SAVEPOINT, RELEASE, ROLLBACK or COMMIT) ` +
        `for ${setsDone} secrets set = ${(statements / setsDone).toFixed(1)} round trips per set, all requests' reads included`,
    );
    const kinds = new Map<string, number>();
    for (const m of readFileSync(logFile, "utf8").matchAll(/could not serialize access due to ([^\n]*)/g))
      kinds.set(m[1]!, (kinds.get(m[1]!) ?? 0) + 1);
    console.log("serialization failures by cause:", Object.fromEntries(kinds));
    if (process.env.KEEP_POSTGRES_LOG) copyFileSync(logFile, process.env.KEEP_POSTGRES_LOG);
  } finally {
    client.close();
    await admin.end();
    await node.stop();
    server.stop();
    await cleanUp();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
