import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeletedVaultRecord, VaultRecord } from "../../src/storage/records.js";
import type { Store } from "../../src/storage/store.js";
import {
  addVersions,
  byNameIgnoringCase,
  credentialRecord,
  delay,
  freshStorePerTest,
  gate,
  type OpenStore,
  principalRecord,
  VAULT,
  vaultRecord,
  versionRecord,
  watch,
} from "./store-contract-fixtures.js";
import { accessContract, backgroundContract } from "./store-contract-access.js";
import { authRecordContract } from "./store-contract-auth-records.js";
import { backendRefContract } from "./store-contract-backend-refs.js";
import { sealedRecordContract } from "./store-contract-sealed.js";
import { secretContract } from "./store-contract-secrets.js";
import { userContract } from "./store-contract-users.js";
import { vaultEntryContract } from "./store-contract-vault-entries.js";

/**
 * The storage contract every adapter must pass (see src/storage/store.ts). `open` gives a fresh, empty store
 * for each test; its `cleanup` closes the store and removes what it left behind.
 */
export function runStoreContract(name: string, open: OpenStore): void {
  describe(`store contract: ${name}`, () => {
    const store = freshStorePerTest(open);
    metaAndVaultContract(store);
    secretContract(store);
    principalContract(store);
    userContract(store);
    authRecordContract(store);
    accessContract(store);
    backgroundContract(store);
    vaultEntryContract(store);
    sealedRecordContract(store);
    backendRefContract(store);
    transactionContract(store);
  });
}

function metaAndVaultContract(store: () => Store): void {
  describe("meta", () => {
    it("has no value for an absent key", async () => {
      assert.equal(await store().getMeta("absent"), undefined);
    });

    it("sets a key once and keeps the first value", async () => {
      const first = Buffer.from([0, 1, 2, 255]);
      assert.deepEqual(await store().initMeta("master", first), first);
      assert.deepEqual(await store().initMeta("master", Buffer.from("second")), first);
      assert.deepEqual(await store().getMeta("master"), first);
      assert.equal(await store().getMeta("MASTER"), undefined, "meta keys are exact");
    });
  });

  describe("vaults", () => {
    it("creates a vault once, whatever the case of the name", async () => {
      const alpha = vaultRecord("Alpha", { retentionDays: 7, purgeProtection: true, createdBy: "admin" });
      assert.equal(await store().createVault(alpha), true);
      assert.equal(await store().createVault(vaultRecord("ALPHA", { retentionDays: 30 })), false);
      assert.deepEqual(await store().getVault("aLpHa"), alpha);
      assert.deepEqual(await store().listVaults(), [alpha]);
      assert.equal(await store().getVault("beta"), undefined);
    });

    it("lists vaults in name order", async () => {
      const created = ["charlie", "Alpha", "bravo", "DELTA"];
      for (const name of created) await store().createVault(vaultRecord(name));
      const listed = await store().listVaults();
      assert.deepEqual(
        listed.map((v) => v.name),
        [...created].sort(byNameIgnoringCase),
      );
      assert.deepEqual(listed[0], vaultRecord("Alpha"));
    });

    it("keeps each vault's tier", async () => {
      const premium = vaultRecord("Gold", { sku: "premium" });
      await store().createVault(premium);
      await store().createVault(vaultRecord("Plain"));
      assert.deepEqual(await store().getVault("GOLD"), premium);
      assert.equal((await store().getVault("plain"))?.sku, "standard");
      assert.deepEqual(
        (await store().listVaults()).map((v) => [v.name, v.sku]),
        [
          ["Gold", "premium"],
          ["Plain", "standard"],
        ],
      );
    });
  });

  describe("deleted vaults", () => {
    const deleted = (
      name: string,
      deletedAt: number,
      scheduledPurge: number,
      overrides: Partial<VaultRecord> = {},
    ): DeletedVaultRecord => ({
      ...vaultRecord(name, overrides),
      deletedAt,
      scheduledPurge,
    });

    it("soft-deletes a vault: no longer found, listed or updated, listed as deleted, its name still taken", async () => {
      await store().createVault(vaultRecord(VAULT, { purgeProtection: true }));
      await store().createVault(vaultRecord("Other"));
      const kept = await addVersions(store(), "kept", 2);
      assert.ok(await store().getVault("main"), "read before, so that a read cache remembers it");
      assert.equal(await store().softDeleteVault("MAIN", 1_700_000_100, 1_700_604_900), true);
      assert.equal(await store().softDeleteVault(VAULT, 1, 2), false, "already deleted: its dates stay");
      assert.equal(await store().softDeleteVault("absent", 1, 2), false);

      assert.equal(await store().getVault(VAULT), undefined);
      assert.equal(await store().getVault("main"), undefined, "not from a remembered read");
      assert.deepEqual(
        (await store().listVaults()).map((v) => v.name),
        ["Other"],
      );
      assert.equal(await store().updateVault(VAULT, { sku: "premium" }), undefined);
      const expected = deleted(VAULT, 1_700_000_100, 1_700_604_900, { purgeProtection: true });
      assert.deepEqual(await store().getDeletedVault("mAiN"), expected);
      assert.deepEqual(await store().listDeletedVaults(), [expected]);
      assert.equal(await store().getDeletedVault("Other"), undefined, "a live vault is not a deleted one");
      assert.equal(await store().getDeletedVault("absent"), undefined);

      assert.equal(await store().createVault(vaultRecord("MAIN")), false, "the name stays reserved");
      assert.deepEqual(await store().allObjectVersions(VAULT, "secret", "kept"), kept, "everything in it is kept");
    });

    it("recovers a deleted vault with everything in it, soft-deleted objects too", async () => {
      await store().createVault(vaultRecord(VAULT, { enableRbacAuthorization: false, sku: "premium" }));
      const [live] = await addVersions(store(), "live", 1);
      const [gone] = await addVersions(store(), "gone", 1);
      await store().setObjectDeleted(VAULT, "secret", "gone", 1_700_000_050, 1_700_007_826);
      await store().softDeleteVault(VAULT, 1_700_000_100, 1_700_604_900);
      assert.equal(await store().recoverVault("absent"), undefined);

      const recovered = vaultRecord(VAULT, { enableRbacAuthorization: false, sku: "premium" });
      assert.deepEqual(await store().recoverVault("MAIN"), recovered);
      assert.equal(await store().recoverVault(VAULT), undefined, "a live vault is not recovered again");
      assert.deepEqual(await store().getVault(VAULT), recovered);
      assert.deepEqual(await store().listVaults(), [recovered]);
      assert.equal(await store().getDeletedVault(VAULT), undefined);
      assert.deepEqual(await store().listDeletedVaults(), []);
      assert.deepEqual(await store().getLiveObjectVersion(VAULT, "secret", "live", null), live);
      assert.deepEqual(await store().getObjectVersion(VAULT, "secret", "gone", null), gone);
      assert.deepEqual(await store().getObjectState(VAULT, "secret", "gone"), {
        vault: VAULT,
        kind: "secret",
        name: "gone",
        deletedAt: 1_700_000_050,
        scheduledPurge: 1_700_007_826,
      });
      assert.equal(await store().softDeleteVault(VAULT, 1_700_000_200, 1_700_605_000), true, "and can be deleted again");
    });

    it("purges only a deleted vault, with everything in it, and frees its name", async () => {
      await store().createVault(vaultRecord(VAULT));
      await store().createVault(vaultRecord("Other"));
      await addVersions(store(), "doomed", 2);
      await store().setObjectPolicy(VAULT, "secret", "doomed", '{"p":1}');
      await store().addObjectVersion(versionRecord("survivor", 1, { vault: "Other" }));
      assert.equal(await store().purgeVault(VAULT), false, "a live vault is never purged");
      assert.deepEqual(await store().getVault(VAULT), vaultRecord(VAULT));

      await store().softDeleteVault(VAULT, 1, 2);
      assert.equal(await store().purgeVault("MAIN"), true);
      assert.equal(await store().purgeVault(VAULT), false);
      assert.equal(await store().getDeletedVault(VAULT), undefined);
      assert.equal(await store().getObjectState(VAULT, "secret", "doomed"), undefined);
      assert.equal(await store().getObjectVersion(VAULT, "secret", "doomed", null), undefined);
      assert.deepEqual(await store().allObjectVersions(VAULT, "secret", "doomed"), []);

      assert.equal(await store().createVault(vaultRecord(VAULT)), true, "the name is free again");
      assert.deepEqual(await store().listObjects(VAULT, "secret", false, null, 10), { items: [], next: null });
      assert.equal(await store().getObjectVersion(VAULT, "secret", "doomed", null), undefined);
      assert.equal(await store().getObjectPolicy(VAULT, "secret", "doomed"), null);
      assert.equal((await store().getObjectVersion("Other", "secret", "survivor", null))?.seq, 1);
      assert.deepEqual(
        (await store().listVaults()).map((v) => v.name),
        [VAULT, "Other"],
      );
    });

    it("purges the deleted vaults whose purge date has come, and counts them", async () => {
      for (const name of ["Early", "Late", "Live"]) await store().createVault(vaultRecord(name));
      await store().addObjectVersion(versionRecord("inside", 1, { vault: "Early" }));
      await store().softDeleteVault("early", 1_000, 2_000);
      await store().softDeleteVault("late", 1_000, 3_000);
      assert.equal(await store().purgeDueVaults(1_999), 0);
      assert.equal(await store().purgeDueVaults(2_000), 1, "at the purge date");
      assert.equal(await store().getDeletedVault("Early"), undefined);
      assert.equal(await store().getObjectVersion("Early", "secret", "inside", null), undefined);
      assert.deepEqual(
        (await store().listDeletedVaults()).map((v) => v.name),
        ["Late"],
      );
      assert.equal(await store().purgeDueVaults(10_000), 1);
      assert.deepEqual(await store().listDeletedVaults(), []);
      assert.deepEqual(
        (await store().listVaults()).map((v) => v.name),
        ["Live"],
        "live vaults are never due",
      );
    });
  });
}

function principalContract(store: () => Store): void {
  describe("principals", () => {
    const ID_A = "0a1b2c3d-0000-4000-8000-00000000000a";
    const ID_B = "0a1b2c3d-0000-4000-8000-00000000000b";
    const byId = <T extends { id: string }>(items: T[]): T[] => [...items].sort((x, y) => x.id.localeCompare(y.id));

    it("creates, finds (id without regard to case), lists and deletes principals", async () => {
      const a = principalRecord(ID_A, { kind: "managedIdentity", displayName: "Identity A", createdAt: 20 });
      const b = principalRecord(ID_B, { createdAt: 10 });
      await store().createPrincipal(a);
      await store().createPrincipal(b);
      assert.deepEqual(await store().getPrincipal(ID_A.toUpperCase()), a);
      assert.deepEqual(await store().getPrincipal(ID_B), b);
      assert.equal(await store().getPrincipal("0a1b2c3d-0000-4000-8000-0000000000ff"), undefined);
      assert.deepEqual(byId(await store().listPrincipals()), [a, b]);

      assert.equal(await store().deletePrincipal(ID_A.toUpperCase()), true);
      assert.equal(await store().getPrincipal(ID_A), undefined);
      assert.deepEqual(await store().listPrincipals(), [b]);
      assert.equal(await store().deletePrincipal(ID_A), false);
    });

    it("keeps credentials per principal and removes them with it", async () => {
      await store().createPrincipal(principalRecord(ID_A));
      await store().createPrincipal(principalRecord(ID_B));
      const a1 = credentialRecord("cred-a1", ID_A, { createdAt: 1, expiresAt: 4_102_444_800 });
      const a2 = credentialRecord("cred-a2", ID_A, { kind: "identityHeader", createdAt: 2 });
      const b1 = credentialRecord("cred-b1", ID_B);
      for (const c of [a1, a2, b1]) await store().addCredential(c);
      assert.deepEqual(byId(await store().listCredentials(ID_A)), [a1, a2]);
      assert.deepEqual(await store().listCredentials(ID_B), [b1]);
      assert.deepEqual(await store().listCredentials("0a1b2c3d-0000-4000-8000-0000000000ff"), []);

      assert.equal(await store().deletePrincipal(ID_A), true);
      assert.deepEqual(await store().listCredentials(ID_A), []);
      assert.deepEqual(await store().listCredentials(ID_B), [b1]);
      await store().createPrincipal(principalRecord(ID_A));
      assert.deepEqual(await store().listCredentials(ID_A), [], "a recreated principal has no old credentials");
    });
  });
}

function transactionContract(store: () => Store): void {
  describe("transactions", () => {
    it("reads its own writes inside, shows nothing outside until commit, and commits", async () => {
      const result = await store().transaction(async (tx) => {
        assert.equal(await tx.createVault(vaultRecord(VAULT)), true);
        const added = await tx.addObjectVersion(versionRecord("inside", 1));
        await tx.initMeta("k", Buffer.from("v"));
        assert.deepEqual(await tx.getVault("main"), vaultRecord(VAULT));
        assert.deepEqual(await tx.getObjectVersion(VAULT, "secret", "INSIDE", null), added);
        assert.deepEqual(
          (await tx.listObjects(VAULT, "secret", false, null, 10)).items.map((s) => s.latest),
          [added],
        );
        assert.deepEqual(await tx.getMeta("k"), Buffer.from("v"));

        assert.equal(await store().getVault(VAULT), undefined, "uncommitted vault seen outside");
        assert.equal(await store().getObjectVersion(VAULT, "secret", "inside", null), undefined, "uncommitted secret seen outside");
        return added;
      });
      assert.equal(result.seq, 1);
      assert.deepEqual(await store().getObjectVersion(VAULT, "secret", "inside", null), result);
      assert.deepEqual(await store().getMeta("k"), Buffer.from("v"));
    });

    it("keeps nothing written in a transaction that throws, and passes the error on", async () => {
      await store().createVault(vaultRecord(VAULT));
      const [existing] = await addVersions(store(), "existing", 1);
      const boom = new Error("boom");
      await assert.rejects(
        store().transaction(async (tx) => {
          await tx.createVault(vaultRecord("Rolled"));
          await tx.addObjectVersion(versionRecord("existing", 2));
          await tx.addObjectVersion(versionRecord("fresh", 1));
          await tx.updateObjectVersion(VAULT, "secret", "existing", existing!.version, { ...existing!, enabled: false }, 99);
          await tx.setObjectDeleted(VAULT, "secret", "existing", 1, 2);
          assert.equal(await tx.softDeleteVault(VAULT, 1, 2), true);
          assert.equal(await tx.getVault(VAULT), undefined, "its own soft delete, inside");
          await tx.initMeta("rolled", Buffer.from("x"));
          await tx.createPrincipal(principalRecord("rolled-principal"));
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.equal(await store().getVault("Rolled"), undefined);
      assert.deepEqual(await store().getVault(VAULT), vaultRecord(VAULT), "the soft delete undone");
      assert.deepEqual(await store().allObjectVersions(VAULT, "secret", "existing"), [existing]);
      assert.deepEqual(await store().getObjectState(VAULT, "secret", "existing"), {
        vault: VAULT,
        kind: "secret",
        name: "existing",
        deletedAt: null,
        scheduledPurge: null,
      });
      assert.equal(await store().getObjectState(VAULT, "secret", "fresh"), undefined);
      assert.equal(await store().getMeta("rolled"), undefined);
      assert.equal(await store().getPrincipal("rolled-principal"), undefined);

      const next = await store().transaction((tx) => tx.addObjectVersion(versionRecord("existing", 3)));
      assert.equal(next.seq, 2, "the rolled-back seq is not used up");
    });

    it("refuses a duplicate version id and changes nothing, inside a transaction or not", async () => {
      await store().createVault(vaultRecord(VAULT));
      const added = await addVersions(store(), "dup", 2);
      await assert.rejects(store().addObjectVersion(versionRecord("dup", 1)));
      const committed = await store().transaction(async (tx) => {
        await assert.rejects(tx.addObjectVersion(versionRecord("DUP", 1)));
        assert.equal(
          (await tx.getObjectVersion(VAULT, "secret", "dup", null))?.seq,
          2,
          "a failed add moved `latest` inside the transaction",
        );
        return tx.addObjectVersion(versionRecord("dup", 3));
      });
      assert.equal(committed.seq, 3, "a failed add used up a seq");
      assert.deepEqual(await store().allObjectVersions(VAULT, "secret", "dup"), [...added, committed]);
    });

    it("runs 20 concurrent read-then-add transactions on one secret with distinct seqs", async () => {
      await store().createVault(vaultRecord(VAULT));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store().transaction(async (tx) => {
            await tx.getObjectVersion(VAULT, "secret", "contended", null);
            await delay(i % 3);
            return tx.addObjectVersion(versionRecord("contended", i + 1));
          }),
        ),
      );
      const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      const all = await store().allObjectVersions(VAULT, "secret", "contended");
      assert.equal(all.length, 20);
      assert.equal((await store().getObjectVersion(VAULT, "secret", "contended", null))?.seq, 20);
    });

    it("gives each concurrent transaction a read that its write builds on (no lost update)", async () => {
      await store().createVault(vaultRecord(VAULT));
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store().transaction(async (tx) => {
            const before = await tx.getObjectVersion(VAULT, "secret", "serial", null);
            await delay(1);
            const added = await tx.addObjectVersion(versionRecord("serial", i + 1));
            return { readSeq: before?.seq ?? 0, addedSeq: added.seq };
          }),
        ),
      );
      for (const { readSeq, addedSeq } of outcomes) assert.equal(addedSeq, readSeq + 1);
    });

    it("makes writes outside a transaction wait for it, and loses none", async () => {
      await store().createVault(vaultRecord(VAULT));
      await store().createVault(vaultRecord("Other"));
      const inside = gate();
      const release = gate();
      const tx = store().transaction(async (t) => {
        await t.addObjectVersion(versionRecord("shared", 1));
        await t.addObjectVersion(versionRecord("shared", 2));
        inside.open();
        await release.wait;
        return "committed";
      });
      await inside.wait;
      const sameSecret = watch(store().addObjectVersion(versionRecord("shared", 3)));
      const elsewhere = store().addObjectVersion(versionRecord("elsewhere", 1, { vault: "Other" }));
      await delay(50);
      assert.equal(sameSecret.settled(), false, "a write to the secret the transaction holds went ahead of it");
      release.open();
      assert.equal(await tx, "committed");
      assert.equal((await sameSecret.promise).seq, 3);
      assert.equal((await elsewhere).seq, 1);
      assert.deepEqual(
        (await store().allObjectVersions(VAULT, "secret", "shared")).map((v) => v.seq),
        [1, 2, 3],
      );
      assert.equal((await store().getObjectVersion("Other", "secret", "elsewhere", null))?.seq, 1);
    });

    it("gives concurrent writes outside transactions distinct seqs", async () => {
      await store().createVault(vaultRecord(VAULT));
      const added = await Promise.all(Array.from({ length: 20 }, (_, i) => store().addObjectVersion(versionRecord("parallel", i + 1))));
      assert.deepEqual(
        added.map((r) => r.seq).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.equal((await store().allObjectVersions(VAULT, "secret", "parallel")).length, 20);
    });
  });
}
