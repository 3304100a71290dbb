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
import { VAULT, versionRecord } from "./store-contract-fixtures.js";

const BEFORE_BACKEND_REFS = (migrations: readonly string[]): number => migrations.findIndex((m) => m.includes("backend_ref"));

/** What a store opened on data from before backend references must do: old versions hold none, new ones may. */
async function upgraded(store: Store): Promise<void> {
  assert.equal((await store.getObjectVersion(VAULT, "key", "old", null))?.backendRef, null);
  await store.addObjectVersion(versionRecord("new", 1, { kind: "key", backendRef: "pkcs11:new" }));
  assert.equal((await store.getObjectVersion(VAULT, "key", "new", null))?.backendRef, "pkcs11:new");
  await store.softDeleteVault(VAULT, 10, 20);
  assert.equal(await store.purgeVault(VAULT), true);
  assert.deepEqual(await store.releasedBackendRefs(10), ["pkcs11:new"]);
}

describe("backend references in a store from before them", () => {
  it("sqlite: adds the column, the outbox and its trigger to an existing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyhold-backend-ref-"));
    try {
      const file = join(dir, "keyhold.db");
      const older = new Database(file);
      const version = BEFORE_BACKEND_REFS(MIGRATIONS);
      for (const migration of MIGRATIONS.slice(0, version)) older.exec(migration);
      older.pragma(`user_version = ${version}`);
      older
        .prepare(
          "INSERT INTO vaults (name, created_at, retention_days, purge_protection, enable_rbac, created_by) VALUES (?, 1, 90, 0, 1, 't')",
        )
        .run(VAULT);
      older.prepare("INSERT INTO objects (vault, kind, name, next_seq, latest_version) VALUES (?, 'key', 'old', 1, 'v1')").run(VAULT);
      older
        .prepare(
          `INSERT INTO object_versions (vault, kind, name, version, seq, display_name, created, updated, enabled, sealed)
           VALUES (?, 'key', 'old', 'v1', 1, 'old', 1, 1, 1, x'00')`,
        )
        .run(VAULT);
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
    "postgres: adds the column, the outbox and its trigger to an existing database",
    { skip: !POSTGRES_URL && "no PostgreSQL here" },
    async () => {
      const database = await newDatabase("keyhold_backend_ref");
      try {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const version = BEFORE_BACKEND_REFS(PG_MIGRATIONS);
          await client.query("CREATE TABLE keyhold_schema (version INTEGER NOT NULL)");
          for (const [i, migration] of PG_MIGRATIONS.slice(0, version).entries()) {
            await client.query(migration);
            await client.query("INSERT INTO keyhold_schema (version) VALUES ($1)", [i + 1]);
          }
          const vault = VAULT.toLowerCase();
          await client.query(
            `INSERT INTO vaults (name_key, name, created_at, retention_days, purge_protection, enable_rbac, created_by)
             VALUES ($1, $2, 1, 90, false, true, 't')`,
            [vault, VAULT],
          );
          await client.query(
            "INSERT INTO objects (vault_key, kind, name_key, name, next_seq, latest_version) VALUES ($1, 'key', 'old', 'old', 1, 'v1')",
            [vault],
          );
          await client.query(
            `INSERT INTO object_versions (vault_key, kind, name_key, version_key, vault, version, seq, created, updated, enabled, sealed)
           VALUES ($1, 'key', 'old', 'v1', $2, 'v1', 1, 1, 1, true, '\\x00')`,
            [vault, VAULT],
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
