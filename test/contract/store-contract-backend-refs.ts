import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import type { Store, StoreOps } from "../../src/storage/store.js";
import { VAULT, type NewVersion, vaultRecord, versionId, versionRecord } from "./store-contract-fixtures.js";

/** A key version held in a token under `ref`. */
const tokenKey = (name: string, n: number, ref: string, overrides: Partial<NewVersion> = {}): NewVersion =>
  versionRecord(name, n, { kind: "key", backendRef: ref, publicData: '{"kty":"RSA-HSM"}', ...overrides });

/** Everything released so far, oldest first. */
const released = (store: Store): Promise<string[]> => store.releasedBackendRefs(1_000);

/** Purges a vault's keys one transaction at a time and then the vault, as the vault service empties a vault it purges. */
async function purgeVaultInBatches(store: Store, vault: string): Promise<void> {
  await store.transaction(async (tx: StoreOps) => {
    for (const deleted of [false, true]) {
      for (const { state } of (await tx.listObjects(vault, "key", deleted, null, 50)).items) await tx.purgeObject(vault, "key", state.name);
    }
  });
  await store.transaction(async (tx) => assert.equal(await tx.purgeVault(vault), true));
}

/**
 * Keys held in a hardware token: a version keeps the token's reference, and the deletion of the last version holding
 * a reference, by whichever purge, records it for the key layer to destroy, atomically with the deletion.
 */
export function backendRefContract(store: () => Store): void {
  describe("backend references", () => {
    beforeEach(async () => {
      assert.equal(await store().createVault(vaultRecord(VAULT)), true);
    });

    it("keeps a version's reference through add, get, list, versions and update; null when it has none", async () => {
      const added = await store().addObjectVersion(tokenKey("Hsm", 1, "pkcs11:9f3a01"));
      assert.equal(added.backendRef, "pkcs11:9f3a01");
      const plain = await store().addObjectVersion(versionRecord("plain", 1, { kind: "key" }));
      assert.equal(plain.backendRef, null);

      assert.deepEqual(await store().getObjectVersion(VAULT, "key", "hsm", null), added);
      assert.deepEqual(await store().getObjectVersion(VAULT, "key", "HSM", versionId(1)), added);
      assert.deepEqual(await store().getLiveObjectVersion(VAULT, "key", "hsm", null), added);
      assert.deepEqual(await store().getLiveObjectVersion(VAULT, "key", "hsm", null), added, "a remembered read");
      assert.deepEqual(await store().transaction((tx) => tx.getLiveObjectVersion(VAULT, "key", "hsm", versionId(1))), added);
      assert.deepEqual(
        (await store().listObjects(VAULT, "key", false, null, 10)).items.map((s) => [s.latest.name, s.latest.backendRef]),
        [
          ["Hsm", "pkcs11:9f3a01"],
          ["plain", null],
        ],
      );
      assert.deepEqual((await store().listObjectVersions(VAULT, "key", "hsm", null, 10)).items, [added]);
      assert.deepEqual(await store().allObjectVersions(VAULT, "key", "hsm"), [added]);

      const attributes = { ...added, enabled: false, tags: { a: "b" } };
      const updated = await store().updateObjectVersion(VAULT, "key", "hsm", versionId(1), attributes, 1_800_000_000);
      assert.equal(updated?.backendRef, "pkcs11:9f3a01");
      assert.equal((await store().getObjectVersion(VAULT, "key", "hsm", null))?.backendRef, "pkcs11:9f3a01");
    });

    it("takes references of up to 200 characters and refuses longer or empty ones, leaving a transaction usable", async () => {
      const longest = `pkcs11:${"a".repeat(193)}`;
      assert.equal((await store().addObjectVersion(tokenKey("long", 1, longest))).backendRef, longest);
      await assert.rejects(store().addObjectVersion(tokenKey("too-long", 1, `${longest}b`)), RangeError);
      await assert.rejects(store().addObjectVersion(tokenKey("empty", 1, "")), RangeError);
      assert.equal(await store().getObjectState(VAULT, "key", "too-long"), undefined);
      const committed = await store().transaction(async (tx) => {
        await assert.rejects(tx.addObjectVersion(tokenKey("in-tx", 1, `${longest}b`)), RangeError);
        return tx.addObjectVersion(tokenKey("in-tx", 2, "pkcs11:ok"));
      });
      assert.equal(committed.seq, 1);
      assert.deepEqual(
        (await store().allObjectVersions(VAULT, "key", "in-tx")).map((v) => v.backendRef),
        ["pkcs11:ok"],
      );
    });

    it("keeps the reference when master key rotation replaces the version's sealed bytes", async () => {
      const added = await store().addObjectVersion(tokenKey("rotated", 1, "pkcs11:kept"));
      const [record] = await store().listSealedRecords("object_versions", null, 10);
      assert.equal(await store().replaceSealedRecord("object_versions", record!.key, added.sealed, Buffer.from("resealed")), true);
      const after = await store().getObjectVersion(VAULT, "key", "rotated", null);
      assert.deepEqual(after, { ...added, sealed: Buffer.from("resealed") });
      assert.deepEqual(await released(store()), [], "re-sealing releases nothing");
    });

    it("releases the references of the versions purgeObject deletes, and nothing for versions without one", async () => {
      await store().addObjectVersion(tokenKey("Signer", 1, "pkcs11:s1"));
      await store().addObjectVersion(tokenKey("Signer", 2, "pkcs11:s2"));
      await store().addObjectVersion(versionRecord("Signer", 3, { kind: "key" }));
      await store().addObjectVersion(versionRecord("soft", 1, { kind: "key" }));
      await store().addObjectVersion(versionRecord("secret", 1));
      assert.deepEqual(await released(store()), []);

      assert.equal(await store().purgeObject(VAULT, "key", "soft"), true);
      assert.equal(await store().purgeObject(VAULT, "secret", "secret"), true);
      assert.deepEqual(await released(store()), [], "versions without a reference release nothing");

      assert.equal(await store().purgeObject(VAULT, "key", "SIGNER"), true);
      assert.deepEqual((await released(store())).sort(), ["pkcs11:s1", "pkcs11:s2"]);
    });

    it("releases the references of the keys purgeDueObjects purges, and only theirs", async () => {
      await store().createVault(vaultRecord("Second"));
      await store().addObjectVersion(tokenKey("due", 1, "pkcs11:due"));
      await store().addObjectVersion(tokenKey("elsewhere", 1, "pkcs11:elsewhere", { vault: "Second" }));
      await store().addObjectVersion(tokenKey("not-yet", 1, "pkcs11:not-yet"));
      await store().addObjectVersion(tokenKey("live", 1, "pkcs11:live"));
      await store().setObjectDeleted(VAULT, "key", "due", 10, 100);
      await store().setObjectDeleted("Second", "key", "elsewhere", 10, 150);
      await store().setObjectDeleted(VAULT, "key", "not-yet", 10, 201);

      assert.equal(await store().purgeDueObjects(200), 2);
      assert.deepEqual((await released(store())).sort(), ["pkcs11:due", "pkcs11:elsewhere"]);
    });

    it("releases the references of every key a vault purge cascades to", async () => {
      await store().createVault(vaultRecord("Kept"));
      await store().addObjectVersion(tokenKey("a", 1, "pkcs11:a1"));
      await store().addObjectVersion(tokenKey("a", 2, "pkcs11:a2"));
      await store().addObjectVersion(tokenKey("b", 1, "pkcs11:b1"));
      await store().setObjectDeleted(VAULT, "key", "b", 10, 20);
      await store().addObjectVersion(tokenKey("c", 1, "pkcs11:c1", { vault: "Kept" }));
      await store().softDeleteVault(VAULT, 10, 20);

      assert.equal(await store().purgeVault(VAULT), true);
      assert.deepEqual((await released(store())).sort(), ["pkcs11:a1", "pkcs11:a2", "pkcs11:b1"]);
    });

    it("releases the references of the keys the vault service's batched vault purge deletes", async () => {
      await store().addObjectVersion(tokenKey("live", 1, "pkcs11:live"));
      await store().addObjectVersion(tokenKey("deleted", 1, "pkcs11:deleted"));
      await store().setObjectDeleted(VAULT, "key", "deleted", 10, 20);
      await store().softDeleteVault(VAULT, 10, 20);

      await purgeVaultInBatches(store(), VAULT);
      assert.deepEqual((await released(store())).sort(), ["pkcs11:deleted", "pkcs11:live"]);
    });

    it("releases the references of the vaults purgeDueVaults purges, and only theirs", async () => {
      await store().createVault(vaultRecord("Later"));
      await store().addObjectVersion(tokenKey("due", 1, "pkcs11:due"));
      await store().addObjectVersion(tokenKey("later", 1, "pkcs11:later", { vault: "Later" }));
      await store().softDeleteVault(VAULT, 10, 100);
      await store().softDeleteVault("Later", 10, 300);

      assert.equal(await store().purgeDueVaults(200), 1);
      assert.deepEqual(await released(store()), ["pkcs11:due"]);
    });

    it("releases nothing when a transaction that purged rolls back", async () => {
      await store().addObjectVersion(tokenKey("kept", 1, "pkcs11:kept"));
      await store().setObjectDeleted(VAULT, "key", "kept", 10, 20);
      await assert.rejects(
        store().transaction(async (tx) => {
          assert.equal(await tx.purgeObject(VAULT, "key", "kept"), true);
          throw new Error("rolled back");
        }),
        /rolled back/,
      );
      assert.deepEqual(await released(store()), []);
      assert.equal((await store().getObjectVersion(VAULT, "key", "kept", null))?.backendRef, "pkcs11:kept");
    });

    it("releases a reference two objects share only with the last row, once", async () => {
      await store().addObjectVersion(tokenKey("first", 1, "pkcs11:shared"));
      await store().addObjectVersion(tokenKey("second", 1, "pkcs11:shared"));
      await store().purgeObject(VAULT, "key", "first");
      assert.deepEqual(await released(store()), [], "another row still holds it");
      await store().purgeObject(VAULT, "key", "second");
      assert.deepEqual(await released(store()), ["pkcs11:shared"]);
    });

    it("releases a reference shared within one statement's deletion once", async () => {
      await store().addObjectVersion(tokenKey("twice", 1, "pkcs11:twice"));
      await store().addObjectVersion(tokenKey("twice", 2, "pkcs11:twice"));
      await store().addObjectVersion(tokenKey("across-a", 1, "pkcs11:across"));
      await store().addObjectVersion(tokenKey("across-b", 1, "pkcs11:across"));
      await store().purgeObject(VAULT, "key", "twice");
      assert.deepEqual(await released(store()), ["pkcs11:twice"], "both versions of one object, in one statement");
      await store().softDeleteVault(VAULT, 10, 20);
      await store().purgeVault(VAULT);
      assert.deepEqual(await released(store()), ["pkcs11:twice", "pkcs11:across"], "two objects, in one cascade");
    });

    it("releases a reference shared by objects purged one by one in one transaction with the last of them", async () => {
      await store().addObjectVersion(tokenKey("one", 1, "pkcs11:shared"));
      await store().addObjectVersion(tokenKey("two", 1, "pkcs11:shared"));
      await store().transaction(async (tx) => {
        await tx.purgeObject(VAULT, "key", "one");
        await tx.purgeObject(VAULT, "key", "two");
      });
      assert.deepEqual(await released(store()), ["pkcs11:shared"]);
    });

    it("lists released references oldest first, at most `limit`, and forgets exactly the ones given", async () => {
      for (const name of ["r3", "r1", "r2", "r4"]) {
        await store().addObjectVersion(tokenKey(name, 1, `pkcs11:${name}`));
        await store().purgeObject(VAULT, "key", name);
      }
      assert.deepEqual(await store().releasedBackendRefs(2), ["pkcs11:r3", "pkcs11:r1"]);
      assert.deepEqual(await store().releasedBackendRefs(10), ["pkcs11:r3", "pkcs11:r1", "pkcs11:r2", "pkcs11:r4"]);

      await store().forgetReleasedBackendRefs(["pkcs11:r1", "pkcs11:r4", "pkcs11:never-released"]);
      assert.deepEqual(await store().releasedBackendRefs(10), ["pkcs11:r3", "pkcs11:r2"]);
      await store().forgetReleasedBackendRefs([]);
      assert.deepEqual(await store().releasedBackendRefs(1), ["pkcs11:r3"]);
      await store().forgetReleasedBackendRefs(["pkcs11:r3", "pkcs11:r2"]);
      assert.deepEqual(await store().releasedBackendRefs(10), []);
    });
  });
}
