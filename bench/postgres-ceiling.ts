import { randomBytes } from "node:crypto";
import pg from "pg";
import type { InsertCeilingRun, InsertCeilingSpec } from "./insert-ceiling-run.js";
import { runPgInsertLoop } from "./pg-insert-loop.js";
import { pgbenchPath, runPgbench } from "./pgbench.js";

/**
 * PostgreSQL's own write ceiling on the server Keyhold's PostgreSQL rows use (same fsync setting, same cores):
 * autocommit single-row INSERTs of a row shaped like the one a secret set adds (a secret version: its keys, a few
 * integers, a sealed value), by as many clients as the load has connections. A secret set cannot commit faster
 * than this, so its rate is read against it. In a database of its own, so that Keyhold's tables stay untouched.
 */
export interface InsertCeiling {
  generator: string;
  /** Bytes of the sealed value in each row. */
  sealedBytes: number;
  /** The better run: on a shared machine a dip in one run is interference, not PostgreSQL's capacity. */
  best: InsertCeilingRun;
  /** Before and after Keyhold's loads, in that order. */
  runs: InsertCeilingRun[];
}

/** The bench's 100-character secret values seal to about 200 bytes (97 of them envelope): a round figure above. */
const SEALED_BYTES = 300;
const DATABASE = "insert_ceiling";

/** The columns of a secret version, without the foreign key to its object (the ceiling writes one row only). */
const TABLE = `
  CREATE TABLE versions (
    vault_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_key TEXT NOT NULL,
    version_key TEXT NOT NULL,
    vault TEXT NOT NULL,
    version TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL,
    sealed BYTEA NOT NULL,
    PRIMARY KEY (vault_key, kind, name_key, version_key)
  )`;

/** One statement with no parameters, so that pgbench and node `pg` send the same text; each row a new version. */
const insertSql = (sealed: Buffer): string =>
  [
    "INSERT INTO versions (vault_key, kind, name_key, version_key, vault, version, seq, created, updated, enabled, sealed)",
    "SELECT 'keyhold-dev', 'secret', 'ceiling', v, 'keyhold-dev', v, CAST(random() * 1e15 AS BIGINT), t, t, true,",
    `'\\x${sealed.toString("hex")}' FROM (SELECT replace(CAST(gen_random_uuid() AS TEXT), '-', '') AS v,`,
    "CAST(extract(epoch FROM now()) * 1000 AS BIGINT) AS t) AS version",
  ].join(" ");

export interface InsertCeilingMeter {
  generator: string;
  /** A warm-up run (discarded), then the measured one. */
  measure(): Promise<InsertCeilingRun>;
}

/** Creates the ceiling's database and table on `serverUrl` (…/postgres) and picks the generator. */
export async function insertCeilingMeter(
  serverUrl: string,
  load: { connections: number; seconds: number; warmupSeconds: number },
): Promise<InsertCeilingMeter> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  const url = serverUrl.replace(/\/postgres$/, `/${DATABASE}`);
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  await owner.query(TABLE);
  await owner.end();
  const bin = pgbenchPath();
  const spec = (seconds: number): InsertCeilingSpec => ({
    url,
    insertSql: insertSql(randomBytes(SEALED_BYTES)),
    connections: load.connections,
    seconds,
  });
  const run = (seconds: number) => (bin ? runPgbench(bin, spec(seconds)) : runPgInsertLoop(spec(seconds)));
  return {
    generator: bin ? "pgbench" : "node pg",
    async measure() {
      if (load.warmupSeconds > 0) await run(load.warmupSeconds);
      return run(load.seconds);
    },
  };
}

export const insertCeilingOf = (generator: string, runs: InsertCeilingRun[]): InsertCeiling => ({
  generator,
  sealedBytes: SEALED_BYTES,
  best: runs.reduce((best, r) => (r.tps > best.tps ? r : best)),
  runs,
});
