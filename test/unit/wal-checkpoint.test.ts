import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { endianness, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { randomBytes } from "node:crypto";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { VAULT, vaultRecord, versionRecord } from "../contract/store-contract-fixtures.js";

/**
 * The WAL's checkpoints are the checkpoint thread's (src/storage/sqlite/checkpointer.ts), not a COMMIT's on the
 * event loop. What the WAL holds is read from its index, the -shm file (sqlite.org/walformat.html: the header's
 * mxFrame at byte 16, the checkpoint's nBackfill at byte 96, in the machine's byte order).
 */
let dir: string;
let file: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "keyhold-ckpt-"));
  file = join(dir, "keyhold.db");
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function walIndex(): { frames: number; copied: number } {
  const shm = readFileSync(`${file}-shm`);
  const u32 = (at: number) => (endianness() === "LE" ? shm.readUInt32LE(at) : shm.readUInt32BE(at));
  return { frames: u32(16), copied: u32(96) };
}

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(walIndex())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("a 1,000-secret transaction's WAL is copied by the checkpoint thread, not by its COMMIT, and then starts over", async (context) => {
  const store = SqliteStore.open(file);
  await store.createVault(vaultRecord(VAULT));
  // About 1 KB sealed, as a 1,000-secret import of 1 KB values: some 1,200 WAL pages, more than SQLite's
  // default automatic checkpoint (1,000) would have copied inside the COMMIT.
  let workDone = 0;
  await store.transaction(async (tx) => {
    for (let i = 0; i < 1000; i++) await tx.addObjectVersion(versionRecord(`bulk-${i}`, 1, { sealed: randomBytes(1000) }));
    workDone = performance.now();
  });
  const afterCommit = walIndex();
  assert.ok(afterCommit.frames > 1000, `the transaction wrote ${afterCommit.frames} WAL pages`);
  // The thread starts 200 ms after the commit; unless this machine was too slow to look before that, nothing
  // is copied yet (with SQLite's default, the COMMIT itself would have copied every page).
  if (performance.now() - workDone < 150)
    assert.ok(afterCommit.copied < afterCommit.frames, `the COMMIT copied nothing: ${JSON.stringify(afterCommit)}`);
  else context.diagnostic("too slow to look at the WAL before the checkpoint thread's turn; that check is skipped");
  await until("the checkpoint thread to copy every page", () => walIndex().copied === walIndex().frames);

  // A copied WAL starts over at the next write, instead of growing.
  await store.addObjectVersion(versionRecord("after", 1));
  assert.ok(walIndex().frames < 20, `the WAL started over (${walIndex().frames} pages)`);

  await store.close();
  assert.equal(existsSync(`${file}-wal`), false, "the last close checkpoints and removes the WAL");
  const reopened = SqliteStore.open(file);
  try {
    assert.ok(await reopened.getObjectVersion(VAULT, "secret", "bulk-999", null));
    assert.ok(await reopened.getObjectVersion(VAULT, "secret", "after", null));
  } finally {
    await reopened.close();
  }
});
