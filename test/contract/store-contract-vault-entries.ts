import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Store, VaultEntry } from "../../src/storage/store.js";
import { VAULT, byNameIgnoringCase, collectPages, vaultRecord } from "./store-contract-fixtures.js";

const ISSUER = "certificate-issuer";

const entry = (name: string, value = name, overrides: Partial<VaultEntry> = {}): VaultEntry => ({
  vault: VAULT,
  kind: ISSUER,
  name,
  value: Buffer.from(value),
  ...overrides,
});

/** Small per-vault settings (certificate issuers, contacts): by vault, kind and name, gone with their vault. */
export function vaultEntryContract(store: () => Store): void {
  describe("vault entries", () => {
    it("puts, reads, replaces and deletes an entry, names compared without regard to case", async () => {
      await store().createVault(vaultRecord(VAULT));
      assert.deepEqual(await store().putVaultEntry(entry("DigiCert01", "first")), entry("DigiCert01", "first"));
      assert.deepEqual(await store().getVaultEntry("main", ISSUER, "digicert01"), entry("DigiCert01", "first"));
      assert.deepEqual(
        await store().putVaultEntry(entry("DIGICERT01", "second")),
        entry("DigiCert01", "second"),
        "a replaced entry keeps its first name",
      );
      assert.deepEqual(await store().getVaultEntry(VAULT, ISSUER, "DigiCert01"), entry("DigiCert01", "second"));
      assert.equal(await store().getVaultEntry(VAULT, "certificate-contacts", "DigiCert01"), undefined, "kinds are apart");
      assert.equal(await store().deleteVaultEntry(VAULT, ISSUER, "digiCERT01"), true);
      assert.equal(await store().getVaultEntry(VAULT, ISSUER, "DigiCert01"), undefined);
      assert.equal(await store().deleteVaultEntry(VAULT, ISSUER, "DigiCert01"), false, "already gone");
    });

    it("keeps each vault's entries apart and refuses an entry of a vault that does not exist", async () => {
      await store().createVault(vaultRecord(VAULT));
      await store().createVault(vaultRecord("Other"));
      await store().putVaultEntry(entry("shared", "main's"));
      await store().putVaultEntry(entry("shared", "other's", { vault: "Other" }));
      assert.deepEqual((await store().getVaultEntry("other", ISSUER, "shared"))?.value, Buffer.from("other's"));
      assert.deepEqual((await store().getVaultEntry(VAULT, ISSUER, "shared"))?.value, Buffer.from("main's"));
      await assert.rejects(store().putVaultEntry(entry("orphan", "x", { vault: "absent" })));
    });

    it("lists a kind's entries in name order, page by page", async () => {
      await store().createVault(vaultRecord(VAULT));
      const names = ["charlie", "Alpha", "bravo", "DELTA", "echo"];
      for (const name of names) await store().putVaultEntry(entry(name));
      await store().putVaultEntry(entry("contacts", "[]", { kind: "certificate-contacts" }));
      const pages = await collectPages((after) => store().listVaultEntries("MAIN", ISSUER, after, 2));
      assert.deepEqual(
        pages.map((page) => page.length),
        [2, 2, 1],
      );
      assert.deepEqual(
        pages.flat().map((e) => e.name),
        [...names].sort(byNameIgnoringCase),
      );
      assert.deepEqual(pages[0]![0], entry("Alpha"));
      assert.deepEqual(await store().listVaultEntries(VAULT, ISSUER, null, 5), { items: pages.flat(), next: null }, "no next at the end");
      assert.deepEqual(await store().listVaultEntries(VAULT, "unknown", null, 5), { items: [], next: null });
    });

    it("keeps entries while their vault is soft-deleted and recovered, and removes them when it is purged", async () => {
      await store().createVault(vaultRecord(VAULT));
      await store().putVaultEntry(entry("kept"));
      assert.equal(await store().softDeleteVault(VAULT, 10, 20), true);
      assert.deepEqual(await store().getVaultEntry(VAULT, ISSUER, "kept"), entry("kept"), "unchanged while deleted");
      await store().recoverVault(VAULT);
      assert.deepEqual(await store().getVaultEntry(VAULT, ISSUER, "kept"), entry("kept"), "back with the vault");
      await store().softDeleteVault(VAULT, 10, 20);
      assert.equal(await store().purgeVault(VAULT), true);
      await store().createVault(vaultRecord(VAULT));
      assert.equal(await store().getVaultEntry(VAULT, ISSUER, "kept"), undefined, "a vault of the same name starts empty");
      assert.deepEqual((await store().listVaultEntries(VAULT, ISSUER, null, 5)).items, []);
    });

    it("writes entries inside a transaction: seen inside, kept on commit, dropped on a throw", async () => {
      await store().createVault(vaultRecord(VAULT));
      await store().putVaultEntry(entry("existing", "before"));
      await store().transaction(async (tx) => {
        await tx.putVaultEntry(entry("fresh"));
        assert.deepEqual(await tx.getVaultEntry(VAULT, ISSUER, "fresh"), entry("fresh"), "its own write, inside");
        assert.equal(await store().getVaultEntry(VAULT, ISSUER, "fresh"), undefined, "uncommitted entry seen outside");
      });
      assert.deepEqual(await store().getVaultEntry(VAULT, ISSUER, "fresh"), entry("fresh"));

      const boom = new Error("boom");
      await assert.rejects(
        store().transaction(async (tx) => {
          await tx.putVaultEntry(entry("existing", "changed"));
          assert.equal(await tx.deleteVaultEntry(VAULT, ISSUER, "fresh"), true);
          assert.deepEqual((await tx.listVaultEntries(VAULT, ISSUER, null, 5)).items, [entry("existing", "changed")]);
          await tx.putVaultEntry(entry("rolled"));
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.deepEqual((await store().listVaultEntries(VAULT, ISSUER, null, 5)).items, [entry("existing", "before"), entry("fresh")]);
    });
  });
}
