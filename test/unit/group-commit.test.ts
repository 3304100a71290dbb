import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { GroupCommit } from "../../src/storage/sqlite/group-commit.js";

let dir: string;
let db: Database.Database;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "keyhold-gc-"));
  db = new Database(join(dir, "t.db"));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (v INTEGER NOT NULL)");
});

after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (v: number) => async () => db.prepare("INSERT INTO t (v) VALUES (?)").run(v).changes;
const count = () => (db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n;

test("a unit settles only after the flush that follows its COMMIT", async () => {
  const events: string[] = [];
  let release!: () => void;
  const flushed = new Promise<void>((resolve) => (release = resolve));
  const commits = new GroupCommit(db, async () => {
    events.push(`flush with ${count()} rows committed`);
    await flushed;
  });
  const before = count();
  const units = [commits.run(insert(1)).then(() => events.push("unit 1")), commits.run(insert(2)).then(() => events.push("unit 2"))];
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(events, [`flush with ${before + 2} rows committed`], "nothing is answered while the flush runs");
  release();
  await Promise.all(units);
  assert.deepEqual(events.slice(1), ["unit 1", "unit 2"]);
});

test("a failed flush fails every unit of its batch", async () => {
  const commits = new GroupCommit(db, async () => {
    throw new Error("EIO");
  });
  const results = await Promise.allSettled([commits.run(insert(3)), commits.run(insert(4))]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["rejected", "rejected"],
  );
});

test("a unit that fails is undone alone; the batch still commits and flushes once", async () => {
  let flushes = 0;
  const commits = new GroupCommit(db, async () => {
    flushes++;
  });
  const before = count();
  const results = await Promise.allSettled([
    commits.run(insert(5)),
    commits.run(async () => {
      db.prepare("INSERT INTO t (v) VALUES (?)").run(6);
      throw new Error("refused");
    }),
    commits.run(insert(7)),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.equal(count(), before + 2);
  assert.equal(flushes, 1);
});
