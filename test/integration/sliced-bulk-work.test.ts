import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import { conflict, softDeletedVaultDoesNotExist } from "../../src/errors/key-vault-error.js";
import type { VaultRecord } from "../../src/storage/records.js";
import { SLICE_MS } from "../../src/vault/time-slice.js";
import { PURGE_BATCH } from "../../src/vault/vault-service.js";
import { type TestApp, createTestApp } from "../support/test-app.js";

const secrets = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${i}`,
    value: `value ${i}`,
    enabled: true,
    notBefore: null,
    expires: null,
    tags: null,
    contentType: null,
  }));

/** The mocked clock: never behind itself, since the slicer keeps the last reading it resumed at. */
let clock = 0;

/**
 * Runs `work` with a clock that moves a whole slice on every reading, so that each `pauseIfDue` hands the event
 * loop back; counts the setImmediate turns it took. No timing is measured: the count says whether a loop yields.
 */
async function turnsTaken(work: () => Promise<unknown>): Promise<number> {
  clock = Math.max(clock, performance.now());
  const now = mock.method(performance, "now", () => (clock += SLICE_MS + 1));
  let turns = 0;
  const realSetImmediate = globalThis.setImmediate;
  const immediate = mock.method(globalThis, "setImmediate", ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
    turns++;
    return realSetImmediate(callback, ...args);
  }) as typeof setImmediate);
  try {
    await work();
  } finally {
    now.mock.restore();
    immediate.mock.restore();
  }
  return turns;
}

describe("bulk work gives the event loop back as it goes", () => {
  let t: TestApp;
  let vault: VaultRecord;
  before(async () => {
    t = await createTestApp();
    vault = await t.ctx.vaults.get("test-vault");
  });
  after(async () => {
    await t.close();
  });

  it("a backup opens its versions, and a restore seals and writes them, a turn of the event loop at a time", async () => {
    const versions = 40;
    for (let i = 0; i < versions; i++) await t.ctx.secrets.set(vault, "many-versions", { ...secrets("v", 1)[0]!, value: `version ${i}` });
    let blob: Buffer | null = null;
    assert.ok((await turnsTaken(async () => (blob = await t.ctx.secrets.lifecycle.backup(vault, "many-versions")))) >= versions);
    await t.ctx.secrets.lifecycle.delete(vault, "many-versions");
    await t.ctx.secrets.lifecycle.purge(vault, "many-versions");
    // Sealing and inserting: a pause before each of both.
    assert.ok((await turnsTaken(() => t.ctx.secrets.lifecycle.restore(vault, blob!))) >= 2 * versions);
    const page = await t.ctx.secrets.lifecycle.listVersions(vault, "many-versions", null, 25);
    assert.equal(page.items.length, 25);
    assert.equal((await t.ctx.secrets.lifecycle.get(vault, "many-versions", null)).value, `version ${versions - 1}`);
  });

  it("a vault purge removes its objects, live and soft-deleted, in bounded transactions, then the vault", async () => {
    await t.ctx.vaults.create({ name: "purged-vault" }, t.principal.id);
    const purged = await t.ctx.vaults.get("purged-vault");
    const count = 2 * PURGE_BATCH + 10;
    await t.ctx.secrets.importMany(purged, secrets("s", count));
    await t.ctx.secrets.lifecycle.delete(purged, "s-0");
    await t.ctx.vaults.delete("purged-vault");
    let transactions = 0;
    const transaction = t.store.transaction.bind(t.store);
    const spy = mock.method(t.store, "transaction", ((work: Parameters<typeof transaction>[0]) => {
      transactions++;
      return transaction(work);
    }) as typeof t.store.transaction);
    try {
      assert.ok((await turnsTaken(() => t.ctx.vaults.purge("purged-vault"))) >= count);
    } finally {
      spy.mock.restore();
    }
    // Two full batches of objects, the rest, and the vault's own.
    assert.equal(transactions, Math.floor(count / PURGE_BATCH) + 2);
    await assert.rejects(t.ctx.vaults.getDeleted("purged-vault"), { status: 404 });
    for (const deleted of [false, true])
      assert.deepEqual((await t.store.listObjects("purged-vault", "secret", deleted, null, 25)).items, []);
  });

  it("the background purge of vaults whose retention ended empties each in bounded transactions first", async () => {
    await t.ctx.vaults.create({ name: "due-vault", retentionDays: 7 }, t.principal.id);
    const count = 2 * PURGE_BATCH + 1;
    await t.ctx.secrets.importMany(await t.ctx.vaults.get("due-vault"), secrets("s", count));
    await t.ctx.vaults.delete("due-vault");
    await t.ctx.vaults.create({ name: "kept-vault" }, t.principal.id);
    await t.ctx.vaults.delete("kept-vault");
    const eightDaysOn = Date.now() + 8 * 86_400_000;
    const clock = mock.method(Date, "now", () => eightDaysOn);
    try {
      assert.ok((await turnsTaken(async () => assert.equal(await t.ctx.vaults.purgeDue(), 1))) >= count);
    } finally {
      clock.mock.restore();
    }
    await assert.rejects(t.ctx.vaults.getDeleted("due-vault"), { status: 404 });
    assert.equal((await t.ctx.vaults.getDeleted("kept-vault")).name, "kept-vault");
    assert.deepEqual((await t.store.listObjects("due-vault", "secret", false, null, 25)).items, []);
  });

  it("refuses to recover a vault while it is being purged (it would come back half emptied), then purges it whole", async () => {
    await t.ctx.vaults.create({ name: "raced-vault" }, t.principal.id);
    await t.ctx.secrets.importMany(await t.ctx.vaults.get("raced-vault"), secrets("s", PURGE_BATCH + 1));
    await t.ctx.vaults.delete("raced-vault");
    const raced: { recovery?: Promise<unknown> } = {};
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => "recovered",
        (error: unknown) => error,
      );
    const transaction = t.store.transaction.bind(t.store);
    const spy = mock.method(t.store, "transaction", (async (work: Parameters<typeof transaction>[0]) => {
      const result = await transaction(work);
      raced.recovery ??= outcome(t.ctx.vaults.recover("raced-vault"));
      return result;
    }) as typeof t.store.transaction);
    try {
      await t.ctx.vaults.purge("raced-vault");
    } finally {
      spy.mock.restore();
    }
    assert.deepEqual(await raced.recovery, conflict("The vault 'raced-vault' is being purged."));
    await assert.rejects(t.ctx.vaults.getDeleted("raced-vault"), { status: 404 });
    await assert.rejects(t.ctx.vaults.recover("raced-vault"), softDeletedVaultDoesNotExist());
  });
});
