import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { PG_MIGRATIONS } from "../../src/storage/postgres/schema.js";
import { MIGRATIONS } from "../../src/storage/sqlite/schema.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import type { Store } from "../../src/storage/store.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";
import { principalRecord } from "./store-contract-fixtures.js";

const APP = "0a1b2c3d-0000-4000-8000-0000000000c0";
const USER = "0a1b2c3d-0000-4000-8000-0000000000a1";
const BEFORE_USERS = (migrations: readonly string[]): number => migrations.findIndex((m) => m.includes("user_name"));

/** What a store opened on data from before users must do: old principals keep their rows with no user name. */
async function upgraded(store: Store): Promise<void> {
  assert.deepEqual(await store.listPrincipals(), [principalRecord(APP, { displayName: "old app", createdAt: 5 })]);
  assert.equal(await store.getUserByName("old app"), undefined);
  const user = principalRecord(USER, { kind: "user", userName: "new@example.org" });
  await store.createPrincipal(user);
  assert.deepEqual(await store.getUserByName("NEW@example.org"), user);
}

describe("users in a store from before them", () => {
  it("sqlite: adds the user name to an existing file, and old principals have none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyhold-user-name-"));
    try {
      const file = join(dir, "keyhold.db");
      const older = new Database(file);
      const version = BEFORE_USERS(MIGRATIONS);
      for (const migration of MIGRATIONS.slice(0, version)) older.exec(migration);
      older.pragma(`user_version = ${version}`);
      older.prepare("INSERT INTO principals (id, kind, display_name, created_at) VALUES (?, 'servicePrincipal', 'old app', 5)").run(APP);
      older.close();

      const store = SqliteStore.open(file);
      try {
        await upgraded(store);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    "postgres: adds the user name to an existing database, and old principals have none",
    { skip: !POSTGRES_URL && "no PostgreSQL here" },
    async () => {
      const database = await newDatabase("keyhold_user_name");
      try {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const version = BEFORE_USERS(PG_MIGRATIONS);
          await client.query("CREATE TABLE keyhold_schema (version INTEGER NOT NULL)");
          for (const [i, migration] of PG_MIGRATIONS.slice(0, version).entries()) {
            await client.query(migration);
            await client.query("INSERT INTO keyhold_schema (version) VALUES ($1)", [i + 1]);
          }
          await client.query(
            "INSERT INTO principals (id_key, id, kind, display_name, created_at) VALUES ($1, $2, 'servicePrincipal', 'old app', 5)",
            [APP.toLowerCase(), APP],
          );
        } finally {
          await client.end();
        }
        const store = await PostgresStore.open(database.url, { poolSize: 2 });
        try {
          await upgraded(store);
        } finally {
          await store.close();
        }
      } finally {
        await database.drop();
      }
    },
  );
});
