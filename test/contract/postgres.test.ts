import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { PG_MIGRATIONS } from "../../src/storage/postgres/schema.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";
import { runStoreContract } from "./store-contract.js";
import { VAULT, vaultRecord, versionRecord } from "./store-contract-fixtures.js";

/** The storage contract against PostgreSQL: a fresh database for every test, on the run's throw-away server. */
if (!POSTGRES_URL) {
  describe("store contract: postgres", () => {
    it("needs a PostgreSQL server (npm test starts one when PostgreSQL is installed)", { skip: "no PostgreSQL here" }, () => {});
  });
} else {
  runStoreContract("postgres", async () => {
    const database = await newDatabase("keyhold_contract");
    const store = await PostgresStore.open(database.url, { poolSize: 4 });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await database.drop();
      },
    };
  });
}

if (POSTGRES_URL) {
  describe("postgres schema", () => {
    it("migrates once when several nodes open a new database at the same moment", async () => {
      const database = await newDatabase("keyhold_migrate");
      const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(database.url, { poolSize: 2 })));
      try {
        await stores[0]!.createVault({
          name: "once",
          createdAt: 1,
          retentionDays: 90,
          purgeProtection: false,
          enableRbacAuthorization: true,
          sku: "standard",
          createdBy: "x",
        });
        for (const store of stores) assert.equal((await store.getVault("once"))?.name, "once");
      } finally {
        for (const store of stores) await store.close();
        await database.drop();
      }
    });

    it("makes the vaults of a database from before vault tiers standard", async () => {
      const database = await newDatabase("keyhold_tiers");
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const tiers = PG_MIGRATIONS.findIndex((m) => m.includes("ADD COLUMN sku"));
        await client.query("CREATE TABLE keyhold_schema (version INTEGER NOT NULL)");
        for (const [i, migration] of PG_MIGRATIONS.slice(0, tiers).entries()) {
          await client.query(migration);
          await client.query("INSERT INTO keyhold_schema (version) VALUES ($1)", [i + 1]);
        }
        await client.query(
          "INSERT INTO vaults (name_key, name, created_at, retention_days, purge_protection, enable_rbac, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          ["legacy", "Legacy", 1_700_000_000, 90, false, true, "tester"],
        );
      } finally {
        await client.end();
      }
      const store = await PostgresStore.open(database.url, { poolSize: 2 });
      try {
        assert.deepEqual(await store.getVault("legacy"), vaultRecord("Legacy"));
        assert.equal((await store.updateVault("legacy", { sku: "premium" }))?.sku, "premium");
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });

  describe("postgres schema: managed", () => {
    it("keeps the versions of a database from before the `managed` attribute, unmanaged", async () => {
      const database = await newDatabase("keyhold_managed");
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const managed = PG_MIGRATIONS.findIndex((m) => m.includes("ADD COLUMN managed"));
        await client.query("CREATE TABLE keyhold_schema (version INTEGER NOT NULL)");
        for (const [i, migration] of PG_MIGRATIONS.slice(0, managed).entries()) {
          await client.query(migration);
          await client.query("INSERT INTO keyhold_schema (version) VALUES ($1)", [i + 1]);
        }
        await client.query(
          "INSERT INTO vaults (name_key, name, created_at, retention_days, purge_protection, enable_rbac, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          [VAULT.toLowerCase(), VAULT, 1_700_000_000, 90, false, true, "tester"],
        );
        await client.query(
          "INSERT INTO objects (vault_key, kind, name_key, name, next_seq, latest_version) VALUES ($1, 'secret', 'old', 'old', 1, 'v1')",
          [VAULT.toLowerCase()],
        );
        await client.query(
          `INSERT INTO object_versions (vault_key, kind, name_key, version_key, vault, version, seq, created, updated, enabled, sealed)
           VALUES ($1, 'secret', 'old', 'v1', $2, 'v1', 1, 1, 1, true, $3)`,
          [VAULT.toLowerCase(), VAULT, Buffer.from([0])],
        );
      } finally {
        await client.end();
      }
      const store = await PostgresStore.open(database.url, { poolSize: 2 });
      try {
        assert.equal((await store.getObjectVersion(VAULT, "secret", "old", null))?.managed, false);
        assert.equal((await store.addObjectVersion(versionRecord("old", 2, { managed: true }))).managed, true);
        assert.equal((await store.getObjectVersion(VAULT, "secret", "old", null))?.managed, true);
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });

  describe("postgres read cache", () => {
    it("serves remembered reads no staler than the database, whichever node wrote", async () => {
      const database = await newDatabase("keyhold_cache");
      const a = await PostgresStore.open(database.url, { poolSize: 2 });
      const b = await PostgresStore.open(database.url, { poolSize: 2 }); // as another node would
      try {
        await a.createVault(vaultRecord(VAULT));
        assert.equal(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), undefined);
        const v1 = await a.addObjectVersion(versionRecord("shared", 1));
        assert.deepEqual(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), v1, "another node's commit is seen at once");
        assert.deepEqual(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), v1, "a repeated read");
        await a.setObjectDeleted(VAULT, "secret", "shared", 1, 2);
        assert.equal(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), undefined);
        await b.setObjectDeleted(VAULT, "secret", "shared", null, null);
        assert.deepEqual(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), v1, "and its own commits too");
        await b.transaction(async (tx) => {
          await tx.updateVault(VAULT, { enableRbacAuthorization: false });
        });
        assert.equal((await b.getVault(VAULT))?.enableRbacAuthorization, false, "a transaction's commit too");
        assert.equal((await a.getVault(VAULT))?.enableRbacAuthorization, false);
        await b.softDeleteVault(VAULT, 1, 2);
        assert.equal(await a.getVault(VAULT), undefined, "a vault soft-deleted by another node is gone at once");
        await a.recoverVault(VAULT);
        assert.equal((await b.getVault(VAULT))?.name, VAULT, "and back at once when recovered");
      } finally {
        await a.close();
        await b.close();
        await database.drop();
      }
    });
  });

  describe("postgres leadership", () => {
    it("lets one store of a database lead at a time, and another take over when it goes", async () => {
      const database = await newDatabase("keyhold_leader");
      const first = await PostgresStore.open(database.url, { poolSize: 2 });
      const second = await PostgresStore.open(database.url, { poolSize: 2 });
      try {
        assert.equal(await first.leads(), true);
        assert.equal(await second.leads(), false, "the lock is held");
        assert.equal(await first.leads(), true, "the leader stays");
        await first.close();
        assert.equal(await second.leads(), true, "taken over once the leader's session ends");
      } finally {
        await second.close();
        await database.drop();
      }
    });
  });
}
