import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SealedRecord, Store } from "../../src/storage/store.js";
import { VAULT, addVersions, vaultRecord } from "./store-contract-fixtures.js";

const lower = (records: SealedRecord[]): string[][] => records.map((r) => r.key.map((part) => part.toLowerCase()));

/** Paging through sealed values and replacing them (compare-and-set), for master key rotation. */
export function sealedRecordContract(store: () => Store): void {
  describe("sealed records", () => {
    it("pages every table's sealed values in primary-key order, neither skipping nor repeating", async () => {
      await store().createVault(vaultRecord(VAULT));
      await store().createVault(vaultRecord("Other"));
      const versions = [...(await addVersions(store(), "Beta", 3)), ...(await addVersions(store(), "alpha", 2))];
      await store().putVaultEntry({ vault: "Other", kind: "certificate-issuer", name: "Zed", value: Buffer.from("z") });
      await store().putVaultEntry({ vault: VAULT, kind: "certificate-issuer", name: "b", value: Buffer.from("b") });
      await store().initMeta("m2", Buffer.from("two"));
      await store().initMeta("m1", Buffer.from("one"));

      const all: SealedRecord[] = [];
      for (let page = await store().listSealedRecords("object_versions", null, 2); page.length > 0;) {
        all.push(...page);
        page = await store().listSealedRecords("object_versions", page.at(-1)!.key, 2);
      }
      assert.equal(await store().countSealedRecords("object_versions"), 5);
      assert.deepEqual(
        lower(all).map((k) => k.slice(0, 3).join("/")),
        ["main/secret/alpha", "main/secret/alpha", "main/secret/beta", "main/secret/beta", "main/secret/beta"],
      );
      for (const record of all) {
        const [, , name, id] = record.key.map((part) => part.toLowerCase());
        const version = versions.find((v) => v.name.toLowerCase() === name && v.version.toLowerCase() === id)!;
        assert.deepEqual(record.sealed, version.sealed);
        assert.equal(record.table, "object_versions");
      }
      assert.deepEqual(lower(await store().listSealedRecords("vault_entries", null, 10)), [
        ["main", "certificate-issuer", "b"],
        ["other", "certificate-issuer", "zed"],
      ]);
      assert.deepEqual(lower(await store().listSealedRecords("vault_entries", ["main", "certificate-issuer", "b"], 10)), [
        ["other", "certificate-issuer", "zed"],
      ]);
      const meta = await store().listSealedRecords("meta", null, 10);
      assert.deepEqual(
        meta.map((r) => [r.key[0], r.sealed.toString()]),
        [
          ["m1", "one"],
          ["m2", "two"],
        ],
      );
    });

    it("replaces a sealed value only while it still is the one read", async () => {
      await store().createVault(vaultRecord(VAULT));
      const [version] = await addVersions(store(), "Gamma", 1);
      const [read] = await store().listSealedRecords("object_versions", null, 1);
      assert.equal(await store().replaceSealedRecord("object_versions", read!.key, Buffer.from("stale"), Buffer.from("x")), false);
      assert.equal(await store().replaceSealedRecord("object_versions", read!.key, read!.sealed, Buffer.from("rewrapped")), true);
      const after = await store().getObjectVersion(VAULT, "secret", "gamma", version!.version);
      assert.deepEqual(after?.sealed, Buffer.from("rewrapped"));
      assert.deepEqual({ ...after, sealed: version!.sealed }, version, "only the sealed value changed");
      assert.equal(
        await store().replaceSealedRecord("object_versions", read!.key, read!.sealed, Buffer.from("again")),
        false,
        "the value read before is no longer there",
      );

      await store().putVaultEntry({ vault: VAULT, kind: "certificate-contacts", name: "contacts", value: Buffer.from("v1") });
      const [entry] = await store().listSealedRecords("vault_entries", null, 1);
      assert.equal(await store().replaceSealedRecord("vault_entries", entry!.key, Buffer.from("v1"), Buffer.from("v2")), true);
      assert.deepEqual((await store().getVaultEntry(VAULT, "certificate-contacts", "contacts"))?.value, Buffer.from("v2"));

      await store().initMeta("k", Buffer.from("a"));
      assert.equal(await store().replaceSealedRecord("meta", ["k"], Buffer.from("a"), Buffer.from("b")), true);
      assert.deepEqual(await store().getMeta("k"), Buffer.from("b"));
      assert.equal(await store().replaceSealedRecord("meta", ["absent"], Buffer.from("a"), Buffer.from("b")), false);
    });

    it("replaces inside a transaction, and a rolled-back replacement leaves the old value", async () => {
      await store().initMeta("k", Buffer.from("a"));
      await assert.rejects(
        store().transaction(async (tx) => {
          assert.equal(await tx.replaceSealedRecord("meta", ["k"], Buffer.from("a"), Buffer.from("b")), true);
          assert.deepEqual(await tx.getMeta("k"), Buffer.from("b"), "read your writes");
          throw new Error("rolled back");
        }),
        /rolled back/,
      );
      assert.deepEqual(await store().getMeta("k"), Buffer.from("a"));
    });
  });
}
