import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Store } from "../../src/storage/store.js";
import { postgresFromBefore, sqliteFromBefore } from "../support/older-schema.js";
import { POSTGRES_URL } from "../support/test-database.js";
import { VAULT, versionRecord } from "./store-contract-fixtures.js";

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
  it("sqlite: adds the column, the outbox and its trigger to an existing file", () =>
    sqliteFromBefore(
      "backend_ref",
      (older) => {
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
      },
      upgraded,
    ));

  it("postgres: adds the column, the outbox and its trigger to an existing database", { skip: !POSTGRES_URL && "no PostgreSQL here" }, () =>
    postgresFromBefore(
      "backend_ref",
      async (older) => {
        const vault = VAULT.toLowerCase();
        await older.query(
          `INSERT INTO vaults (name_key, name, created_at, retention_days, purge_protection, enable_rbac, created_by)
             VALUES ($1, $2, 1, 90, false, true, 't')`,
          [vault, VAULT],
        );
        await older.query(
          "INSERT INTO objects (vault_key, kind, name_key, name, next_seq, latest_version) VALUES ($1, 'key', 'old', 'old', 1, 'v1')",
          [vault],
        );
        await older.query(
          `INSERT INTO object_versions (vault_key, kind, name_key, version_key, vault, version, seq, created, updated, enabled, sealed)
             VALUES ($1, 'key', 'old', 'v1', $2, 'v1', 1, 1, 1, true, '\\x00')`,
          [vault, VAULT],
        );
      },
      upgraded,
    ),
  );
});
