import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
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
        assert.deepEqual(await second.getObjectState(VAULT, "secret", "kept"), { vault: VAULT, kind: "secret", name: "Kept", deletedAt: 10, scheduledPurge: 20 });
        assert.equal((await second.addObjectVersion(versionRecord("kept", 2))).seq, 2);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
