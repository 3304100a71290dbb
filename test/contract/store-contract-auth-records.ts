import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuthRecord } from "../../src/storage/records.js";
import type { Store } from "../../src/storage/store.js";
import { delay, principalRecord } from "./store-contract-fixtures.js";

const ALICE = "0a1b2c3d-0000-4000-8000-0000000000a1";
const BOB = "0a1b2c3d-0000-4000-8000-0000000000b0";
const NOBODY = "0a1b2c3d-0000-4000-8000-0000000000ff";

const record = (kind: AuthRecord["kind"], id: string, overrides: Partial<AuthRecord> = {}): AuthRecord => ({
  kind,
  id,
  principalId: ALICE,
  sessionId: null,
  lookup: null,
  body: JSON.stringify({ of: id }),
  revision: 1,
  expiresAt: 1_700_000_600,
  ...overrides,
});

const users = async (store: Store): Promise<void> => {
  await store.createPrincipal(principalRecord(ALICE, { kind: "user", userName: "alice@example.org" }));
  await store.createPrincipal(principalRecord(BOB, { kind: "user", userName: "bob@example.org" }));
};

/** The sign-in flows' state: sessions, codes, device codes and grants, with their compare-and-set and single-use deletes. */
export function authRecordContract(store: () => Store): void {
  describe("auth records", () => {
    it("creates a record and reads it back by id and by lookup, exactly", async () => {
      await users(store());
      const device = record("device", "hash-of-device-code", { principalId: null, lookup: "WDJB-MJHT", revision: 3 });
      const session = record("session", "Session-1", { body: '{"amr":["pwd"]}', expiresAt: 1_700_086_400 });
      assert.equal(await store().createAuthRecord(device), true);
      assert.equal(await store().createAuthRecord(session), true);

      assert.deepEqual(await store().getAuthRecord("device", "hash-of-device-code"), device);
      assert.deepEqual(await store().findAuthRecord("device", "WDJB-MJHT"), device);
      assert.deepEqual(await store().getAuthRecord("session", "Session-1"), session);
      assert.equal(await store().getAuthRecord("session", "session-1"), undefined, "ids compare exactly");
      assert.equal(await store().getAuthRecord("code", "hash-of-device-code"), undefined, "each kind has its own ids");
      assert.equal(await store().findAuthRecord("device", "wdjb-mjht"), undefined, "lookups compare exactly");
      assert.equal(await store().findAuthRecord("code", "WDJB-MJHT"), undefined, "each kind has its own lookups");
      assert.equal(await store().findAuthRecord("device", "WDJB-MJH_"), undefined, "no pattern matching");
      assert.deepEqual(await store().transaction((tx) => tx.findAuthRecord("device", "WDJB-MJHT")), device, "in a transaction too");
    });

    it("keeps the principal id as written, whatever its case", async () => {
      await users(store());
      const grant = record("grant", "g1", { principalId: ALICE.toUpperCase() });
      assert.equal(await store().createAuthRecord(grant), true);
      assert.deepEqual(await store().getAuthRecord("grant", "g1"), grant);
      assert.equal(await store().deletePrincipal(ALICE), true);
      assert.equal(await store().getAuthRecord("grant", "g1"), undefined, "gone with its principal, in any case");
    });

    it("refuses a taken id or lookup and writes nothing", async () => {
      await users(store());
      const first = record("device", "d1", { principalId: null, lookup: "AAAA-BBBB" });
      assert.equal(await store().createAuthRecord(first), true);
      assert.equal(await store().createAuthRecord(record("device", "d1", { lookup: "CCCC-DDDD", body: "{}" })), false, "same id");
      assert.equal(await store().findAuthRecord("device", "CCCC-DDDD"), undefined);
      assert.equal(await store().createAuthRecord(record("device", "d2", { lookup: "AAAA-BBBB" })), false, "same lookup");
      assert.equal(await store().getAuthRecord("device", "d2"), undefined);
      assert.deepEqual(await store().getAuthRecord("device", "d1"), first);
      assert.equal(
        await store().transaction(async (tx) => {
          assert.equal(await tx.createAuthRecord(record("device", "d3", { lookup: "AAAA-BBBB" })), false);
          return tx.createAuthRecord(record("device", "d4", { lookup: "EEEE-FFFF" }));
        }),
        true,
        "a refusal inside a transaction leaves it usable",
      );
      assert.equal(await store().getAuthRecord("device", "d3"), undefined);
      assert.equal((await store().findAuthRecord("device", "EEEE-FFFF"))?.id, "d4");

      assert.equal(await store().createAuthRecord(record("code", "d1", { lookup: "AAAA-BBBB" })), true, "another kind is free");
      assert.equal((await store().findAuthRecord("code", "AAAA-BBBB"))?.id, "d1");
    });

    it("never has null lookups conflict", async () => {
      for (const id of ["c1", "c2", "c3"]) assert.equal(await store().createAuthRecord(record("code", id, { principalId: null })), true);
      for (const id of ["c1", "c2", "c3"]) assert.equal((await store().getAuthRecord("code", id))?.lookup, null);
    });

    it("refuses an id of more than 200 characters, and takes one of 200", async () => {
      await users(store());
      await assert.rejects(store().createAuthRecord(record("code", "x".repeat(201))));
      await assert.rejects(store().createAuthRecord(record("code", "")));
      const longest = record("code", "x".repeat(200));
      assert.equal(await store().createAuthRecord(longest), true);
      assert.deepEqual(await store().getAuthRecord("code", longest.id), longest);
    });

    it("refuses a record of a principal that does not exist, and writes nothing", async () => {
      await users(store());
      await assert.rejects(store().createAuthRecord(record("grant", "orphan", { principalId: NOBODY })));
      assert.equal(await store().getAuthRecord("grant", "orphan"), undefined);
      const device = record("device", "d1", { principalId: null, lookup: "AAAA-BBBB" });
      await store().createAuthRecord(device);
      await assert.rejects(store().replaceAuthRecord({ ...device, principalId: NOBODY }, 1));
      assert.deepEqual(await store().getAuthRecord("device", "d1"), device);
    });

    it("replaces a record only from the revision it still has, and never its lookup", async () => {
      await users(store());
      const device = record("device", "d1", { principalId: null, lookup: "AAAA-BBBB", revision: 5 });
      await store().createAuthRecord(device);
      const approved = { ...device, principalId: BOB, sessionId: "s1", body: '{"approved":true}', expiresAt: 1_700_000_900 };
      assert.equal(await store().replaceAuthRecord({ ...approved, lookup: "ZZZZ-ZZZZ", revision: 99 }, 5), true);
      const stored = { ...approved, revision: 6 };
      assert.deepEqual(await store().getAuthRecord("device", "d1"), stored);
      assert.deepEqual(await store().findAuthRecord("device", "AAAA-BBBB"), stored, "the lookup stays");
      assert.equal(await store().findAuthRecord("device", "ZZZZ-ZZZZ"), undefined);

      assert.equal(await store().replaceAuthRecord({ ...device, body: "stale" }, 5), false, "a stale revision");
      assert.deepEqual(await store().getAuthRecord("device", "d1"), stored);
      assert.equal(await store().replaceAuthRecord({ ...device, principalId: null }, 6), true, "and from the new one");
      assert.deepEqual(await store().getAuthRecord("device", "d1"), { ...device, revision: 7 });
      assert.equal(await store().replaceAuthRecord(record("device", "absent"), 1), false, "an absent record");
      assert.equal(await store().getAuthRecord("device", "absent"), undefined);
    });

    it("lets exactly one of concurrent replaces from one revision win; transactions that read first all win, in turn", async () => {
      await users(store());
      await store().createAuthRecord(record("grant", "g1"));
      const outside = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store().replaceAuthRecord(record("grant", "g1", { body: `outside ${i}` }), 1)),
      );
      assert.equal(outside.filter(Boolean).length, 1, String(outside));
      const winner = outside.indexOf(true);
      assert.deepEqual(await store().getAuthRecord("grant", "g1"), record("grant", "g1", { body: `outside ${winner}`, revision: 2 }));

      const inside = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store().transaction(async (tx) => {
            const read = await tx.getAuthRecord("grant", "g1");
            await delay(i % 3);
            return tx.replaceAuthRecord(record("grant", "g1", { body: `inside ${i}` }), read!.revision);
          }),
        ),
      );
      assert.deepEqual(inside, Array(8).fill(true), "each read the revision the one before it left");
      assert.equal((await store().getAuthRecord("grant", "g1"))?.revision, 10);
    });

    it("deletes a record for exactly one of concurrent deletes", async () => {
      await users(store());
      await store().createAuthRecord(record("code", "once"));
      const deleted = await Promise.all(Array.from({ length: 8 }, () => store().deleteAuthRecord("code", "once")));
      assert.equal(deleted.filter(Boolean).length, 1, String(deleted));
      assert.equal(await store().getAuthRecord("code", "once"), undefined);
      assert.equal(await store().deleteAuthRecord("code", "once"), false);

      await store().createAuthRecord(record("code", "in-tx"));
      const inTransactions = await Promise.all(
        Array.from({ length: 4 }, () =>
          store().transaction(async (tx) => (await tx.getAuthRecord("code", "in-tx")) && tx.deleteAuthRecord("code", "in-tx")),
        ),
      );
      assert.equal(inTransactions.filter((d) => d === true).length, 1, String(inTransactions));
    });

    it("ends a sign-in session with its codes and grants, and nothing of other sessions", async () => {
      await users(store());
      const kept = [
        record("session", "s2", { principalId: BOB }),
        record("code", "c2", { principalId: BOB, sessionId: "s2" }),
        record("grant", "g2", { principalId: BOB, sessionId: "s2" }),
        record("grant", "g-none"),
        record("code", "s1", { sessionId: "s2" }),
      ];
      const ended = [
        record("session", "s1"),
        record("code", "c1", { sessionId: "s1" }),
        record("grant", "g1", { sessionId: "s1" }),
        record("device", "d1", { sessionId: "s1", lookup: "AAAA-BBBB" }),
      ];
      for (const r of [...kept, ...ended]) assert.equal(await store().createAuthRecord(r), true);
      assert.equal(await store().endSignInSession("s1"), ended.length);
      for (const r of ended) assert.equal(await store().getAuthRecord(r.kind, r.id), undefined, `${r.kind} ${r.id}`);
      for (const r of kept) assert.deepEqual(await store().getAuthRecord(r.kind, r.id), r);
      assert.equal(await store().endSignInSession("s1"), 0);
      assert.equal(await store().endSignInSession("S2"), 0, "session ids compare exactly");
    });

    it("deletes the records whose expiry is at or before now", async () => {
      await users(store());
      const now = 1_700_000_000;
      for (const [id, expiresAt] of [
        ["past", now - 100],
        ["now", now],
        ["later", now + 1],
      ] as const) {
        await store().createAuthRecord(record("code", id, { expiresAt }));
      }
      assert.equal(await store().deleteExpiredAuthRecords(now), 2);
      assert.equal(await store().getAuthRecord("code", "past"), undefined);
      assert.equal(await store().getAuthRecord("code", "now"), undefined);
      assert.equal((await store().getAuthRecord("code", "later"))?.expiresAt, now + 1, "the store keeps it until then");
      assert.equal(await store().deleteExpiredAuthRecords(now), 0);
    });

    it("removes a principal's records with it, and keeps the others", async () => {
      await users(store());
      const alices = [record("session", "s1"), record("grant", "g1", { sessionId: "s1" })];
      const others = [record("session", "s2", { principalId: BOB }), record("device", "d1", { principalId: null, lookup: "AAAA-BBBB" })];
      for (const r of [...alices, ...others]) await store().createAuthRecord(r);
      assert.equal(await store().deletePrincipal(ALICE), true);
      for (const r of alices) assert.equal(await store().getAuthRecord(r.kind, r.id), undefined);
      for (const r of others) assert.deepEqual(await store().getAuthRecord(r.kind, r.id), r);
    });

    it("keeps nothing a transaction that throws did to records", async () => {
      await users(store());
      const existing = record("grant", "g1");
      const doomed = record("code", "c1", { sessionId: "s1" });
      await store().createAuthRecord(existing);
      await store().createAuthRecord(doomed);
      const boom = new Error("boom");
      await assert.rejects(
        store().transaction(async (tx) => {
          assert.equal(await tx.createAuthRecord(record("session", "s-new")), true);
          assert.equal(await tx.replaceAuthRecord({ ...existing, body: "changed" }, 1), true);
          assert.equal(await tx.deleteAuthRecord("code", "c1"), true);
          assert.equal(await tx.deleteExpiredAuthRecords(Number.MAX_SAFE_INTEGER), 2);
          assert.equal(await tx.getAuthRecord("session", "s-new"), undefined, "its own writes, inside");
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.equal(await store().getAuthRecord("session", "s-new"), undefined);
      assert.deepEqual(await store().getAuthRecord("grant", "g1"), existing);
      assert.deepEqual(await store().getAuthRecord("code", "c1"), doomed);

      await store().transaction(async (tx) => {
        await tx.createAuthRecord(record("session", "s-kept"));
        assert.equal(await tx.endSignInSession("s1"), 1);
      });
      assert.equal((await store().getAuthRecord("session", "s-kept"))?.id, "s-kept", "and keeps what one that commits did");
      assert.equal(await store().getAuthRecord("code", "c1"), undefined);
    });
  });
}
