import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { PG_MIGRATIONS } from "../../src/storage/postgres/schema.js";
import { MIGRATIONS } from "../../src/storage/sqlite/schema.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../../src/storage/store.js";
import { newDatabase } from "./test-database.js";

/** How many migrations came before the first one that mentions `marker` (a column or table it adds). */
const migrationsBefore = (migrations: readonly string[], marker: string): number => {
  const index = migrations.findIndex((migration) => migration.includes(marker));
  if (index < 0) throw new Error(`no migration mentions ${marker}`);
  return index;
};

/**
 * A SQLite file at the schema from before the migration that adds `marker`, with `seed`'s rows written as that
 * schema had them; then opened by today's store (which migrates it) and handed to `check`.
 */
export async function sqliteFromBefore(marker: string, seed: (older: Database.Database) => void, check: (store: Store) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-older-"));
  try {
    const file = join(dir, "keyhold.db");
    const older = new Database(file);
    const version = migrationsBefore(MIGRATIONS, marker);
    for (const migration of MIGRATIONS.slice(0, version)) older.exec(migration);
    older.pragma(`user_version = ${version}`);
    seed(older);
    older.close();
    const store = SqliteStore.open(file);
    try {
      await check(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same on a throw-away PostgreSQL database. */
export async function postgresFromBefore(
  marker: string,
  seed: (older: pg.Client) => Promise<void>,
  check: (store: Store) => Promise<void>,
) {
  const database = await newDatabase("keyhold_older");
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const version = migrationsBefore(PG_MIGRATIONS, marker);
      await client.query("CREATE TABLE keyhold_schema (version INTEGER NOT NULL)");
      for (const [i, migration] of PG_MIGRATIONS.slice(0, version).entries()) {
        await client.query(migration);
        await client.query("INSERT INTO keyhold_schema (version) VALUES ($1)", [i + 1]);
      }
      await seed(client);
    } finally {
      await client.end();
    }
    const store = await PostgresStore.open(database.url, { poolSize: 2 });
    try {
      await check(store);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
}
