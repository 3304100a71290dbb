import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import type { ObjectVersionRecord } from "../../src/storage/records.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";
import { VAULT, delay, gate, vaultRecord, versionRecord, watch } from "./store-contract-fixtures.js";

/**
 * A transaction on one object runs READ COMMITTED under that object's locks, not SERIALIZABLE: these
 * tests hold it to what SERIALIZABLE gave, with two stores on one database as two nodes are.
 */
if (!POSTGRES_URL) {
  describe("postgres transactions on one object", () => {
    it("needs a PostgreSQL server (npm test starts one when PostgreSQL is installed)", { skip: "no PostgreSQL here" }, () => {});
  });
} else {
  describe("postgres transactions on one object", () => {
    let database: { url: string; drop: () => Promise<void> };
    let a: PostgresStore;
    let b: PostgresStore;
    before(async () => {
      database = await newDatabase("keyhold_one_object");
      a = await PostgresStore.open(database.url, { poolSize: 8 });
      b = await PostgresStore.open(database.url, { poolSize: 8 }); // as another node would
      await a.createVault(vaultRecord(VAULT));
    });
    after(async () => {
      await a.close();
      await b.close();
      await database.drop();
    });

    it("loses no update between two nodes: each read-then-add builds on the version it read", async () => {
      await a.addObjectVersion(versionRecord("both-nodes", 1));
      const outcomes = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 === 0 ? a : b).transaction(async (tx) => {
            const read = await tx.getLiveObjectVersion(VAULT, "secret", "both-nodes", null);
            await delay(i % 3);
            const added = await tx.addObjectVersion(versionRecord("both-nodes", i + 2));
            return { readSeq: read!.seq, addedSeq: added.seq };
          }),
        ),
      );
      for (const { readSeq, addedSeq } of outcomes) assert.equal(addedSeq, readSeq + 1);
      assert.deepEqual(
        outcomes.map((o) => o.addedSeq).sort((x, y) => x - y),
        Array.from({ length: 16 }, (_, i) => i + 2),
      );
    });

    it("makes another node's delete of the object wait until it commits, so a set never lands after a delete it did not see", async () => {
      await a.addObjectVersion(versionRecord("set-vs-delete", 1));
      const read = gate();
      const release = gate();
      const set = a.transaction(async (tx) => {
        const state = await tx.getObjectState(VAULT, "secret", "set-vs-delete");
        assert.equal(state?.deletedAt, null);
        read.open();
        await release.wait;
        return tx.addObjectVersion(versionRecord("set-vs-delete", 2));
      });
      await read.wait;
      const deleted = watch(
        b.transaction(async (tx) => {
          const state = await tx.getObjectState(VAULT, "secret", "set-vs-delete");
          if (state?.deletedAt !== null) return null;
          await tx.setObjectDeleted(VAULT, "secret", "set-vs-delete", 10, 20);
          return (await tx.getObjectVersion(VAULT, "secret", "set-vs-delete", null))!.seq;
        }),
      );
      await delay(100);
      const wentAhead = deleted.settled();
      release.open();
      assert.equal(wentAhead, false, "the other node's delete went ahead of the set that had read the object");
      assert.equal((await set).seq, 2);
      assert.equal(await deleted.promise, 2, "the delete saw the version the set added");
      assert.equal((await a.getObjectState(VAULT, "secret", "set-vs-delete"))?.deletedAt, 10);
    });

    it("makes another node's transaction on an object that is not there yet wait for the one creating it", async () => {
      const read = gate();
      const release = gate();
      const create = a.transaction(async (tx) => {
        assert.equal(await tx.getObjectState(VAULT, "secret", "new"), undefined);
        read.open();
        await release.wait;
        return tx.addObjectVersion(versionRecord("new", 1));
      });
      await read.wait;
      const restore = watch(
        b.transaction(async (tx) => {
          if (await tx.getObjectState(VAULT, "secret", "new")) return "exists";
          await tx.addObjectVersion(versionRecord("new", 2));
          return "restored";
        }),
      );
      await delay(100);
      const wentAhead = restore.settled();
      release.open();
      assert.equal(wentAhead, false, "the other node's transaction went ahead of the one creating the object");
      assert.equal((await create).seq, 1);
      assert.equal(await restore.promise, "exists", "it saw the object the other created");
      assert.equal((await a.allObjectVersions(VAULT, "secret", "new")).length, 1);
    });

    it("makes attribute changes and adds outside transactions wait for it", async () => {
      const v1 = await a.addObjectVersion(versionRecord("held", 1));
      const inside = gate();
      const release = gate();
      const tx = a.transaction(async (t) => {
        const live = await t.getLiveObjectVersion(VAULT, "secret", "held", null);
        inside.open();
        await release.wait;
        return live;
      });
      await inside.wait;
      const update = watch(b.updateObjectVersion(VAULT, "secret", "held", v1.version, { ...v1, enabled: false }, 99));
      const add = watch(b.addObjectVersion(versionRecord("held", 2)));
      await delay(100);
      const wentAhead = { update: update.settled(), add: add.settled() };
      release.open();
      assert.deepEqual(wentAhead, { update: false, add: false }, "a write went ahead of a transaction holding the object");
      assert.equal((await tx)?.enabled, true);
      assert.equal((await update.promise)?.enabled, false);
      assert.equal((await add.promise).seq, 2);
    });

    it("runs a transaction that goes on to another object again as SERIALIZABLE, and commits it once", async () => {
      await a.addObjectVersion(versionRecord("first", 1));
      let runs = 0;
      const added = await a.transaction(async (tx) => {
        runs++;
        await tx.getLiveObjectVersion(VAULT, "secret", "first", null);
        const second = await tx.addObjectVersion(versionRecord("second", 1));
        await tx.addObjectVersion(versionRecord("first", 2));
        return second;
      });
      assert.equal(runs, 2, "run once on one object, then again as SERIALIZABLE");
      assert.equal(added.seq, 1);
      assert.equal((await a.allObjectVersions(VAULT, "secret", "first")).length, 2);
      assert.equal((await a.allObjectVersions(VAULT, "secret", "second")).length, 1);
    });

    it("commits nothing of a run given up, even when `work` caught the error", async () => {
      await a.addObjectVersion(versionRecord("caught", 1));
      let runs = 0;
      await a.transaction(async (tx) => {
        runs++;
        await tx.addObjectVersion(versionRecord("caught", runs + 1));
        await tx.getVault(VAULT).catch(() => undefined);
      });
      assert.equal(runs, 2);
      assert.deepEqual(
        (await a.allObjectVersions(VAULT, "secret", "caught")).map((v) => v.seq),
        [1, 2],
      );
    });

    it("sets a secret in five round trips (BEGIN with the locks, two reads, the add, COMMIT)", async () => {
      await a.addObjectVersion(versionRecord("trips", 1));
      const sent: string[] = [];
      // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, on the prototype
      const query = pg.Client.prototype.query;
      const counting = function (this: pg.Client, ...args: unknown[]) {
        sent.push(typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text);
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      };
      pg.Client.prototype.query = counting as typeof query;
      let added: ObjectVersionRecord;
      try {
        added = await a.transaction(async (tx) => {
          await tx.getLiveObjectVersion(VAULT, "secret", "trips", null);
          await tx.getObjectState(VAULT, "secret", "trips");
          return tx.addObjectVersion(versionRecord("trips", 2));
        });
      } finally {
        pg.Client.prototype.query = query;
      }
      assert.equal(added.seq, 2);
      assert.equal(sent.length, 5, sent.join("\n"));
    });
  });
}
