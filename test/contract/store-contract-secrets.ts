import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { beforeEach, describe, it } from "node:test";
import type { ObjectSummary, ObjectVersionRecord } from "../../src/storage/records.js";
import type { Store } from "../../src/storage/store.js";
import { addVersions, byNameIgnoringCase, collectPages, VAULT, vaultRecord, versionId, versionRecord } from "./store-contract-fixtures.js";

const names = (items: ObjectSummary[]): string[] => items.map((s) => s.latest.name);
const versions = (items: ObjectVersionRecord[]): string[] => items.map((v) => v.version);

/** The secret half of the contract: versions, state, listings and purging. `store()` is the test's fresh store. */
export function secretContract(store: () => Store): void {
  describe("secrets", () => {
    beforeEach(async () => {
      assert.equal(await store().createVault(vaultRecord(VAULT)), true);
    });

    it("assigns seq 1, 2, 3… and makes the last added version the latest", async () => {
      const added = await addVersions(store(), "seq", 3);
      assert.deepEqual(
        added.map((v) => v.seq),
        [1, 2, 3],
      );
      const latest = await store().getObjectVersion(VAULT, "secret", "seq", null);
      assert.equal(latest?.version, versionId(3));
      assert.equal(latest?.seq, 3);
      assert.deepEqual(await store().getObjectVersion(VAULT, "secret", "seq", versionId(1)), added[0]);
      assert.deepEqual(await store().getObjectVersion(VAULT, "secret", "seq", versionId(2)), added[1]);
      assert.equal(await store().getObjectVersion(VAULT, "secret", "seq", versionId(99)), undefined);
      assert.equal(await store().getObjectVersion(VAULT, "secret", "absent", null), undefined);
      assert.equal(await store().getObjectVersion(VAULT, "secret", "absent", versionId(1)), undefined);
    });

    it("looks names up without regard to case and keeps the name first written", async () => {
      await store().addObjectVersion(versionRecord("MySecret", 1));
      const second = await store().addObjectVersion(versionRecord("MYSECRET", 2));
      assert.equal(second.name, "MySecret");
      assert.equal(second.seq, 2);
      assert.equal((await store().getObjectVersion(VAULT, "secret", "mysecret", null))?.name, "MySecret");
      assert.equal((await store().getObjectVersion(VAULT, "secret", "mySECRET", versionId(1)))?.name, "MySecret");
      assert.equal((await store().getObjectState(VAULT, "secret", "MYSECRET"))?.name, "MySecret");
      const all = await store().allObjectVersions(VAULT, "secret", "mysecret");
      assert.deepEqual(
        all.map((v) => [v.name, v.seq]),
        [
          ["MySecret", 1],
          ["MySecret", 2],
        ],
      );
      const listed = await store().listObjects(VAULT, "secret", false, null, 10);
      assert.deepEqual(names(listed.items), ["MySecret"]);
    });

    it("round-trips the sealed value byte for byte", async () => {
      const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const value = Buffer.concat([everyByte, randomBytes(4096), Buffer.from([0, 0, 0])]);
      const added = await store().addObjectVersion(versionRecord("bytes", 1, { sealed: value }));
      const read = await store().getObjectVersion(VAULT, "secret", "bytes", null);
      for (const got of [added.sealed, read?.sealed, (await store().allObjectVersions(VAULT, "secret", "bytes"))[0]?.sealed]) {
        assert.ok(Buffer.isBuffer(got), "the sealed value comes back as a Buffer");
        assert.ok(got.equals(value), "the sealed value is unchanged");
      }
    });

    it("round-trips attributes, tags and nulls", async () => {
      const full = versionRecord("full", 1, {
        enabled: false,
        notBefore: 1_700_000_100,
        expires: 4_102_444_800,
        contentType: "application/json; charset=utf-8",
        tags: { env: "prod", "Mixed Case Key": 'value with spaces, ü and "quotes"', empty: "" },
      });
      const bare = versionRecord("bare", 1, { contentType: "", tags: {} });
      const nulls = versionRecord("nulls", 1);
      for (const input of [full, bare, nulls]) {
        const added = await store().addObjectVersion(input);
        assert.deepEqual(added, { ...input, seq: 1 });
        assert.deepEqual(await store().getObjectVersion(VAULT, "secret", input.name, input.version), { ...input, seq: 1 });
      }
    });

    it("keeps each version's `managed` flag through reads, lists, updates and recovery", async () => {
      const owned = versionRecord("owned", 1, { managed: true });
      assert.equal((await store().addObjectVersion(owned)).managed, true);
      const plain = (await store().addObjectVersion(versionRecord("owned", 2))).version;
      assert.equal((await store().getObjectVersion(VAULT, "secret", "owned", owned.version))?.managed, true);
      assert.equal((await store().getLiveObjectVersion(VAULT, "secret", "OWNED", plain))?.managed, false);
      await store().addObjectVersion(versionRecord("owned", 3, { managed: true }));
      assert.deepEqual(
        (await store().allObjectVersions(VAULT, "secret", "owned")).map((v) => v.managed),
        [true, false, true],
      );
      assert.deepEqual(
        (await store().listObjectVersions(VAULT, "secret", "owned", null, 2)).items.map((v) => v.managed),
        [true, false],
      );
      const attributes = { enabled: false, notBefore: null, expires: null, contentType: null, tags: null, keyOps: null };
      assert.equal((await store().updateObjectVersion(VAULT, "secret", "owned", owned.version, attributes, 1))?.managed, true);
      await store().setObjectDeleted(VAULT, "secret", "owned", 10, 20);
      assert.equal((await store().listObjects(VAULT, "secret", true, null, 10)).items[0]?.latest.managed, true);
      await store().setObjectDeleted(VAULT, "secret", "owned", null, null);
      assert.equal((await store().listObjects(VAULT, "secret", false, null, 10)).items[0]?.latest.managed, true);
    });

    it("updates a version's attributes and `updated`, and nothing else", async () => {
      const [first, second] = await addVersions(store(), "upd", 2);
      assert.ok(first && second);
      const attributes = {
        enabled: false,
        notBefore: 10,
        expires: 20,
        contentType: "text/plain",
        tags: { a: "b" },
        keyOps: ["sign", "verify"],
      };
      const updated = await store().updateObjectVersion(VAULT, "secret", "UPD", first.version, attributes, 1_800_000_000);
      const expected = { ...first, ...attributes, updated: 1_800_000_000 };
      assert.deepEqual(updated, expected);
      assert.deepEqual(await store().getObjectVersion(VAULT, "secret", "upd", first.version), expected);
      assert.deepEqual(await store().getObjectVersion(VAULT, "secret", "upd", second.version), second);
      const cleared = { enabled: true, notBefore: null, expires: null, contentType: null, tags: null, keyOps: null };
      assert.deepEqual(await store().updateObjectVersion(VAULT, "secret", "upd", first.version, cleared, 1_800_000_001), {
        ...first,
        ...cleared,
        updated: 1_800_000_001,
      });
      assert.equal(await store().updateObjectVersion(VAULT, "secret", "upd", versionId(99), attributes, 1), undefined);
      assert.equal(await store().updateObjectVersion(VAULT, "secret", "absent", first.version, attributes, 1), undefined);
    });

    it("reports the secret's state and soft-deletes and recovers it", async () => {
      assert.equal(await store().getObjectState(VAULT, "secret", "state"), undefined);
      await addVersions(store(), "State", 2);
      const active = { vault: VAULT, kind: "secret", name: "State", deletedAt: null, scheduledPurge: null };
      assert.deepEqual(await store().getObjectState(VAULT, "secret", "state"), active);
      assert.equal(await store().setObjectDeleted(VAULT, "secret", "STATE", 1000, 2000), true);
      assert.deepEqual(await store().getObjectState(VAULT, "secret", "state"), { ...active, deletedAt: 1000, scheduledPurge: 2000 });
      assert.equal((await store().getObjectVersion(VAULT, "secret", "state", null))?.seq, 2, "a deleted secret's versions stay readable");
      assert.equal(await store().setObjectDeleted(VAULT, "secret", "state", null, null), true);
      assert.deepEqual(await store().getObjectState(VAULT, "secret", "state"), active);
      assert.equal(await store().setObjectDeleted(VAULT, "secret", "absent", 1000, 2000), false);
    });

    describe("listSecrets", () => {
      const created = ["bravo", "Alpha", "echo", "charlie", "DELTA"];
      const ordered = [...created].sort(byNameIgnoringCase);

      beforeEach(async () => {
        for (const name of created) await addVersions(store(), name, 2);
        await store().createVault(vaultRecord("Other"));
        await store().addObjectVersion(versionRecord("aardvark", 1, { vault: "Other" }));
      });

      it("pages 2, 2, 1 in case-insensitive name order with `next` null only on the last page", async () => {
        const pages = await collectPages((after) => store().listObjects(VAULT, "secret", false, after, 2));
        assert.deepEqual(
          pages.map((p) => p.length),
          [2, 2, 1],
        );
        assert.deepEqual(
          pages.flat().map((s) => s.latest.name),
          ordered,
        );
        const everything = await store().listObjects("MAIN", "secret", false, null, 10);
        assert.deepEqual(names(everything.items), ordered);
        assert.equal(everything.next, null);
      });

      it("returns each secret's latest version and state", async () => {
        const { items } = await store().listObjects(VAULT, "secret", false, null, 10);
        for (const item of items) {
          assert.equal(item.latest.seq, 2);
          assert.deepEqual(item.latest, await store().getObjectVersion(VAULT, "secret", item.latest.name, null));
          assert.deepEqual(item.state, { vault: VAULT, kind: "secret", name: item.latest.name, deletedAt: null, scheduledPurge: null });
        }
      });

      it("separates active secrets from soft-deleted ones", async () => {
        await store().setObjectDeleted(VAULT, "secret", "charlie", 100, 200);
        await store().setObjectDeleted(VAULT, "secret", "ALPHA", 101, 201);
        const active = await collectPages((after) => store().listObjects(VAULT, "secret", false, after, 2));
        assert.deepEqual(names(active.flat()), ["bravo", "DELTA", "echo"]);
        const deleted = await collectPages((after) => store().listObjects(VAULT, "secret", true, after, 1));
        assert.deepEqual(
          deleted.map((p) => p.length),
          [1, 1],
        );
        assert.deepEqual(
          deleted.flat().map((s) => s.state),
          [
            { vault: VAULT, kind: "secret", name: "Alpha", deletedAt: 101, scheduledPurge: 201 },
            { vault: VAULT, kind: "secret", name: "charlie", deletedAt: 100, scheduledPurge: 200 },
          ],
        );
        assert.deepEqual(await store().listObjects("Other", "secret", true, null, 10), { items: [], next: null });
      });

      it("skips and repeats nothing when secrets are written between pages", async () => {
        const pages = await collectPages(
          (after) => store().listObjects(VAULT, "secret", false, after, 2),
          async (pageIndex) => {
            if (pageIndex !== 0) return;
            await store().addObjectVersion(versionRecord("Aaron", 1)); // before the cursor: not seen, nothing shifts
            await store().addObjectVersion(versionRecord("bravo", 3)); // already listed: not listed again
            await store().addObjectVersion(versionRecord("Carl", 1)); // after the cursor: seen on a later page
            await store().addObjectVersion(versionRecord("zulu", 1));
          },
        );
        const listed = names(pages.flat());
        assert.deepEqual(listed, ["Alpha", "bravo", "Carl", "charlie", "DELTA", "echo", "zulu"]);
        assert.equal(new Set(listed.map((n) => n.toLowerCase())).size, listed.length, "no duplicates");
        assert.ok(pages.slice(0, -1).every((p) => p.length === 2));
      });
    });

    describe("versions", () => {
      it("pages versions 2, 2, 1 in creation order and sees versions added between pages", async () => {
        const added = await addVersions(store(), "paged", 5);
        const pages = await collectPages((after) => store().listObjectVersions(VAULT, "secret", "PAGED", after, 2));
        assert.deepEqual(
          pages.map((p) => p.length),
          [2, 2, 1],
        );
        assert.deepEqual(pages.flat(), added);

        let extra: ObjectVersionRecord | undefined;
        const racing = await collectPages(
          (after) => store().listObjectVersions(VAULT, "secret", "paged", after, 2),
          async (pageIndex) => {
            if (pageIndex === 1) extra = await store().addObjectVersion(versionRecord("paged", 6));
          },
        );
        assert.deepEqual(
          racing.map((p) => p.length),
          [2, 2, 2],
        );
        assert.deepEqual(versions(racing.flat()), [...versions(added), versionId(6)]);
        assert.equal(extra?.seq, 6);
      });

      it("lists nothing for an unknown secret", async () => {
        assert.deepEqual(await store().listObjectVersions(VAULT, "secret", "absent", null, 5), { items: [], next: null });
        assert.deepEqual(await store().allObjectVersions(VAULT, "secret", "absent"), []);
      });

      it("returns all versions in seq order", async () => {
        const added = await addVersions(store(), "all", 7);
        await addVersions(store(), "other", 2);
        const all = await store().allObjectVersions(VAULT, "secret", "ALL");
        assert.deepEqual(all, added);
        assert.deepEqual(
          all.map((v) => v.seq),
          [1, 2, 3, 4, 5, 6, 7],
        );
      });
    });

    describe("purging", () => {
      it("purges a secret with all its versions, and a new secret of that name starts afresh", async () => {
        await addVersions(store(), "Gone", 3);
        await addVersions(store(), "kept", 1);
        assert.equal(await store().purgeObject(VAULT, "secret", "GONE"), true);
        assert.equal(await store().getObjectState(VAULT, "secret", "gone"), undefined);
        assert.equal(await store().getObjectVersion(VAULT, "secret", "gone", null), undefined);
        assert.equal(await store().getObjectVersion(VAULT, "secret", "gone", versionId(1)), undefined);
        assert.deepEqual(await store().allObjectVersions(VAULT, "secret", "gone"), []);
        assert.equal(await store().purgeObject(VAULT, "secret", "gone"), false);
        assert.equal((await store().getObjectVersion(VAULT, "secret", "kept", null))?.seq, 1);

        const reborn = await store().addObjectVersion(versionRecord("GONE", 1));
        assert.equal(reborn.seq, 1);
        assert.equal(reborn.name, "GONE");
      });

      it("purges only soft-deleted secrets whose purge date has come, and counts them", async () => {
        await store().createVault(vaultRecord("Second"));
        const plan: Array<[vault: string, name: string, deletedAt: number | null, purge: number | null]> = [
          [VAULT, "active", null, null],
          [VAULT, "due-early", 50, 100],
          [VAULT, "due-now", 60, 200],
          [VAULT, "not-yet", 70, 201],
          [VAULT, "no-date", 80, null],
          ["Second", "due-elsewhere", 90, 150],
        ];
        for (const [vault, name, deletedAt, purge] of plan) {
          await store().addObjectVersion(versionRecord(name, 1, { vault }));
          if (deletedAt !== null) await store().setObjectDeleted(vault, "secret", name, deletedAt, purge);
        }
        assert.equal(await store().purgeDueObjects(200), 3);
        const remaining = await Promise.all(plan.map(([vault, name]) => store().getObjectState(vault, "secret", name)));
        assert.deepEqual(
          remaining.map((s) => s?.name),
          ["active", undefined, undefined, "not-yet", "no-date", undefined],
        );
        assert.equal(await store().getObjectVersion(VAULT, "secret", "due-now", versionId(1)), undefined);
        assert.equal(await store().purgeDueObjects(200), 0);
        assert.equal(await store().purgeDueObjects(201), 1);
      });
    });

    describe("kinds, live reads and policies", () => {
      it("keeps each kind in its own namespace", async () => {
        await store().addObjectVersion(versionRecord("shared-name", 1));
        const key = await store().addObjectVersion(
          versionRecord("shared-name", 2, { kind: "key", keyOps: ["sign"], publicData: '{"kty":"EC"}' }),
        );
        assert.equal(key.seq, 1, "a key's versions count apart from a secret's");
        assert.equal((await store().getObjectVersion(VAULT, "secret", "shared-name", null))?.version, versionId(1));
        assert.deepEqual(await store().getObjectVersion(VAULT, "key", "shared-name", null), key);
        await store().setObjectDeleted(VAULT, "key", "shared-name", 1, 2);
        assert.equal((await store().getObjectState(VAULT, "secret", "shared-name"))?.deletedAt, null);
        assert.deepEqual(
          (await store().listObjects(VAULT, "key", true, null, 10)).items.map((i) => i.latest.kind),
          ["key"],
        );
        assert.deepEqual(
          (await store().listObjects(VAULT, "secret", false, null, 10)).items.map((i) => i.latest.kind),
          ["secret"],
        );
      });

      it("reads live versions only while the object is not soft-deleted", async () => {
        const [first, second] = await addVersions(store(), "live", 2);
        assert.deepEqual(await store().getLiveObjectVersion(VAULT, "secret", "LIVE", null), second);
        assert.deepEqual(await store().getLiveObjectVersion(VAULT, "secret", "live", first!.version), first);
        await store().setObjectDeleted(VAULT, "secret", "live", 1, 2);
        assert.equal(await store().getLiveObjectVersion(VAULT, "secret", "live", null), undefined);
        assert.equal(await store().getLiveObjectVersion(VAULT, "secret", "live", first!.version), undefined);
        assert.deepEqual(await store().getObjectVersion(VAULT, "secret", "live", null), second);
        assert.equal(await store().getLiveObjectVersion(VAULT, "secret", "absent", null), undefined);
      });

      it("keeps one policy per object, and purges it with the object", async () => {
        await addVersions(store(), "policed", 1);
        assert.equal(await store().getObjectPolicy(VAULT, "secret", "policed"), null);
        assert.equal(await store().setObjectPolicy(VAULT, "secret", "absent", "{}"), false);
        assert.equal(await store().setObjectPolicy(VAULT, "secret", "POLICED", '{"a":1}'), true);
        assert.equal(await store().setObjectPolicy(VAULT, "secret", "policed", '{"a":2}'), true);
        assert.equal(await store().getObjectPolicy(VAULT, "secret", "policed"), '{"a":2}');
        await store().addObjectVersion(versionRecord("policed", 2));
        assert.equal(await store().getObjectPolicy(VAULT, "secret", "policed"), '{"a":2}', "a new version keeps the policy");
        await store().purgeObject(VAULT, "secret", "policed");
        await store().addObjectVersion(versionRecord("policed", 3));
        assert.equal(await store().getObjectPolicy(VAULT, "secret", "policed"), null);
      });
    });
  });
}
