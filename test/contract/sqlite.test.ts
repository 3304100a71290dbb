import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MIGRATIONS } from "../../src/storage/sqlite/schema.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { runStoreContract } from "./store-contract.js";
import { VAULT, vaultRecord, versionRecord } from "./store-contract-fixtures.js";

function newDir(): string {
  return mkdtempSync(join(tmpdir(), "keyhold-sqlite-contract-"));
}

runStoreContract("sqlite", async () => {
  const dir = newDir();
  const store = SqliteStore.open(join(dir, "keyhold.db"));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("sqlite store file", () => {
  it("keeps its data after a close and reopen", async () => {
    const dir = newDir();
    try {
      const file = join(dir, "keyhold.db");
      const first = SqliteStore.open(file);
      await first.initMeta("salt", Buffer.from([1, 2, 3]));
      await first.createVault(vaultRecord(VAULT));
      const written = await first.addObjectVersion(versionRecord("Kept", 1, { tags: { a: "b" } }));
      await first.setObjectDeleted(VAULT, "secret", "kept", 10, 20);
      await first.close();

      const second = SqliteStore.open(file);
      try {
        assert.deepEqual(await second.getMeta("salt"), Buffer.from([1, 2, 3]));
        assert.deepEqual(await second.getVault(VAULT), vaultRecord(VAULT));
        assert.deepEqual(await second.getObjectVersion(VAULT, "secret", "KEPT", null), written);
        assert.deepEqual(await second.getObjectState(VAULT, "secret", "kept"), {
          vault: VAULT,
          kind: "secret",
          name: "Kept",
          deletedAt: 10,
          scheduledPurge: 20,
        });
        assert.equal((await second.addObjectVersion(versionRecord("kept", 2))).seq, 2);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("makes the vaults of a file from before vault tiers standard", async () => {
    const dir = newDir();
    try {
      const file = join(dir, "keyhold.db");
      const older = new Database(file);
      const tiers = MIGRATIONS.findIndex((m) => m.includes("ADD COLUMN sku"));
      for (const migration of MIGRATIONS.slice(0, tiers)) older.exec(migration);
      older.pragma(`user_version = ${tiers}`);
      older
        .prepare(
          "INSERT INTO vaults (name, created_at, retention_days, purge_protection, enable_rbac, created_by) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run("Legacy", 1_700_000_000, 90, 0, 1, "tester");
      older.close();

      const store = SqliteStore.open(file);
      try {
        assert.deepEqual(await store.getVault("legacy"), vaultRecord("Legacy"));
        assert.equal((await store.updateVault("legacy", { sku: "premium" }))?.sku, "premium");
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the versions of a file from before the `managed` attribute, unmanaged", async () => {
    const dir = newDir();
    try {
      const file = join(dir, "keyhold.db");
      const older = new Database(file);
      const managed = MIGRATIONS.findIndex((m) => m.includes("ADD COLUMN managed"));
      for (const migration of MIGRATIONS.slice(0, managed)) older.exec(migration);
      older.pragma(`user_version = ${managed}`);
      older
        .prepare(
          "INSERT INTO vaults (name, created_at, retention_days, purge_protection, enable_rbac, created_by) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(VAULT, 1_700_000_000, 90, 0, 1, "tester");
      older.prepare("INSERT INTO objects (vault, kind, name, next_seq, latest_version) VALUES (?, 'secret', 'old', 1, 'v1')").run(VAULT);
      older
        .prepare(
          `INSERT INTO object_versions (vault, kind, name, version, seq, display_name, created, updated, enabled, sealed)
           VALUES (?, 'secret', 'old', 'v1', 1, 'old', 1, 1, 1, x'00')`,
        )
        .run(VAULT);
      older.close();

      const store = SqliteStore.open(file);
      try {
        assert.equal((await store.getObjectVersion(VAULT, "secret", "old", null))?.managed, false);
        assert.equal((await store.addObjectVersion(versionRecord("old", 2, { managed: true }))).managed, true);
        assert.equal((await store.getObjectVersion(VAULT, "secret", "old", null))?.managed, true);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves cached live reads no staler than the file, whoever wrote it", async () => {
    const dir = newDir();
    const file = join(dir, "keyhold.db");
    const a = SqliteStore.open(file);
    const b = SqliteStore.open(file); // as another process would
    try {
      await a.createVault(vaultRecord(VAULT));
      const v1 = await a.addObjectVersion(versionRecord("shared", 1));
      assert.deepEqual(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), v1);
      assert.deepEqual(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), v1, "a repeated read");
      const v2 = await a.addObjectVersion(versionRecord("shared", 2));
      assert.deepEqual(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), v2, "a commit by another connection is seen at once");
      await a.setObjectDeleted(VAULT, "secret", "shared", 1, 2);
      assert.equal(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), undefined);
      await b.setObjectDeleted(VAULT, "secret", "shared", null, null);
      assert.deepEqual(await b.getLiveObjectVersion(VAULT, "secret", "shared", null), v2, "and its own commits too");
      assert.deepEqual(await b.getVault(VAULT), vaultRecord(VAULT));
      await a.softDeleteVault(VAULT, 1, 2);
      assert.equal(await b.getVault(VAULT), undefined, "a vault soft-deleted by another connection is gone at once");
      await b.recoverVault(VAULT);
      assert.deepEqual(await a.getVault(VAULT), vaultRecord(VAULT), "and back at once when recovered");
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
