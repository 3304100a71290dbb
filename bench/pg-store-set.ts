import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { PostgresStore } from "../src/storage/postgres/postgres-store.js";
import { startThrowawayPostgres } from "../test/support/throwaway-postgres.js";
import { cleanUp, installSignalHandlers, tempDir } from "./lifecycle.js";
import { insertCeilingMeter } from "./postgres-ceiling.js";

/**
 * A secret set's store work alone (no HTTP, no Keyhold process): the transaction the vault runs for it (read the
 * live version, read the object's state, add a version) by 32 workers in this process, each going through the
 * same 300 names from the first, as the HTTP bench's connections do, through one store with Keyhold's pool. Run
 * against PostgreSQL's INSERT+COMMIT ceiling on the same throw-away server (fsync on), alternated:
 * `node dist/bench/pg-store-set.js [seconds] [rounds]`. Prints sets per second, this process's CPU per set, and the
 * serialization failures PostgreSQL logged.
 */
const WORKERS = 32;
const NAMES = 300;
const VAULT = "bench";

async function setLoop(store: PostgresStore, seconds: number): Promise<{ sets: number; rate: number; cpuMicros: number }> {
  const deadline = performance.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let sets = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      for (let i = 0; performance.now() < deadline; i = (i + 1) % NAMES) {
        const name = `bench-set-${i}`;
        await store.transaction(async (tx) => {
          await tx.getLiveObjectVersion(VAULT, "secret", name, null);
          const state = await tx.getObjectState(VAULT, "secret", name);
          if (state?.deletedAt != null) throw new Error("deleted");
          const now = Math.floor(Date.now() / 1000);
          return tx.addObjectVersion({
            ...{ vault: VAULT, kind: "secret", name, version: randomBytes(16).toString("hex"), created: now, updated: now },
            ...{ enabled: true, notBefore: null, expires: null, tags: null, contentType: null, keyOps: null, publicData: null },
            ...{ sealed: randomBytes(200), managed: false, backendRef: null },
          });
        });
        sets++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { sets, rate: sets / ((performance.now() - started) / 1000), cpuMicros: (used.user + used.system) / sets };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 3);
  installSignalHandlers();
  const root = tempDir("pg-store-set");
  const server = (await startThrowawayPostgres(root, { fsync: true }))!;
  const failures = () => (readFileSync(join(root, "postgres", "log"), "utf8").match(/could not serialize access/g) ?? []).length;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query("CREATE DATABASE store_set");
  await admin.end();
  const ceiling = await insertCeilingMeter(server.url, { connections: WORKERS, seconds, warmupSeconds: 3 });
  const store = await PostgresStore.open(server.url.replace(/\/postgres$/, "/store_set"));
  try {
    await store.createVault({
      name: VAULT,
      createdAt: 1,
      retentionDays: 90,
      purgeProtection: false,
      enableRbacAuthorization: true,
      sku: "standard",
      createdBy: "bench",
    });
    await setLoop(store, 2);
    for (let round = 1; round <= rounds; round++) {
      const c = await ceiling.measure();
      const before = failures();
      const r = await setLoop(store, seconds);
      console.log(
        `round ${round}: ceiling ${c.tps.toFixed(0)} tx/s; store secret set ${r.rate.toFixed(0)}/s = ${(r.rate / c.tps).toFixed(3)} of it, ` +
          `${r.cpuMicros.toFixed(0)} µs CPU per set in the store's process, serialization failures ${failures() - before}`,
      );
    }
  } finally {
    await store.close();
    server.stop();
    await cleanUp();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
