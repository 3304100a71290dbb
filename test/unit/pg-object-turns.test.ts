import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PgObjectTurns } from "../../src/storage/postgres/pg-object-turns.js";
import { objectOf } from "../../src/storage/postgres/pg-transaction.js";

const settledSoon = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return settled;
};

describe("PgObjectTurns", () => {
  it("lets a transaction on an object begin only when the earlier ones on it have ended, in order", async () => {
    const turns = new PgObjectTurns();
    const endFirst = await turns.take("v\0secret\0a");
    const second = turns.take("v\0secret\0a");
    const third = turns.take("v\0secret\0a");
    assert.equal(await settledSoon(second), false);
    endFirst();
    const endSecond = await second;
    assert.equal(await settledSoon(third), false, "the third went ahead of the second");
    endSecond();
    (await third)();
    assert.equal(turns.size, 0, "an object nobody is on is forgotten");
  });

  it("does not hold up transactions on other objects", async () => {
    const turns = new PgObjectTurns();
    const endA = await turns.take("v\0secret\0a");
    assert.equal(await settledSoon(turns.take("v\0secret\0b")), true);
    endA();
  });

  it("goes ahead after the longest wait, since the database still refuses whatever conflicts", async () => {
    const turns = new PgObjectTurns(30);
    await turns.take("v\0secret\0a");
    const started = performance.now();
    (await turns.take("v\0secret\0a"))();
    assert.ok(performance.now() - started >= 25);
  });
});

describe("objectOf", () => {
  it("names the object of `(vault, kind, name, …)` and of a version record, case-insensitively", () => {
    assert.equal(objectOf(["Main", "secret", "Name", null])?.id, "main\0secret\0name");
    assert.deepEqual(objectOf([{ vault: "Main", kind: "key", name: "K", version: "v1" }]), {
      id: "main\0key\0k",
      vault: "main",
      kind: "key",
      name: "k",
    });
  });

  it("names none for operations on anything else", () => {
    assert.equal(objectOf(["Main"]), null);
    assert.equal(objectOf(["Main", "secret", false, null, 10]), null, "listObjects");
    assert.equal(objectOf([{ name: "Main", createdAt: 1 }]), null, "a vault record");
    assert.equal(objectOf(["meta", ["k"], Buffer.alloc(1)]), null, "replaceSealedRecord");
  });
});
