import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import pg from "pg";
import { GENESIS_HASH, formatEntry, lineHash } from "../../src/server/audit/audit-entry.js";
import { auditFilesIn } from "../../src/server/audit/audit-files.js";
import { FileAuditSink } from "../../src/server/audit/audit-file-sink.js";
import { PostgresAuditSink } from "../../src/server/audit/audit-postgres-sink.js";
import type { AuditSink, ChainHead } from "../../src/server/audit/audit-sink.js";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { testRecord } from "../support/audit-fixtures.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";

/** Where a sink's lines can be opened and read back, one kind of sink. */
interface SinkPlace {
  open(node: string): AuditSink;
  /** The lines stored for a node, without newlines, in chain order. */
  stored(node: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

interface SinkKind {
  name: string;
  place(): Promise<SinkPlace>;
  /** Why the sink cannot tell another process's lines of the same node from its own, when it cannot. */
  sharedNodeUndetected?: string;
}

/** `count` entries continuing a chain from `head`, as the trail writes them (each ending in a newline). */
function chainLines(node: string, head: ChainHead, count: number): string[] {
  let { seq, hash } = head;
  return Array.from({ length: count }, () => {
    const line = formatEntry({ node, seq: seq + 1, time: new Date().toISOString(), prev: hash }, testRecord(seq + 1));
    seq += 1;
    hash = lineHash(line);
    return `${line}\n`;
  });
}

const withoutNewline = (lines: readonly string[]) => lines.map((l) => l.replace(/\n$/, ""));

/** What every audit sink that keeps a chain must do, whichever medium holds it (audit-sink.ts). */
function runAuditSinkContract(kind: SinkKind): void {
  describe(`audit sink contract: ${kind.name}`, () => {
    let place: SinkPlace;
    const open: AuditSink[] = [];
    const sink = (node = "node-a") => {
      const opened = place.open(node);
      open.push(opened);
      return opened;
    };
    beforeEach(async () => {
      place = await kind.place();
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close().catch(() => undefined);
      await place.cleanup();
    });

    it("answers the genesis head when it holds nothing for the node", async () => {
      assert.deepEqual(await sink().head(), { seq: 0, hash: GENESIS_HASH });
    });

    it("answers the last line written as the head", async () => {
      const s = sink();
      const lines = chainLines("node-a", await s.head(), 3);
      await s.write(lines);
      assert.deepEqual(await s.head(), { seq: 3, hash: lineHash(withoutNewline(lines)[2]!) });
    });

    it("holds a written line as soon as the write resolves, before any sync", async () => {
      const s = sink();
      const lines = chainLines("node-a", await s.head(), 2);
      await s.write(lines);
      assert.deepEqual(await place.stored("node-a"), withoutNewline(lines));
    });

    it("syncs, with and after written lines", async () => {
      const s = sink();
      await s.sync();
      const lines = chainLines("node-a", await s.head(), 2);
      await s.write(lines);
      await s.sync();
      await Promise.all([s.sync(), s.write(chainLines("node-a", { seq: 2, hash: lineHash(withoutNewline(lines)[1]!) }, 1))]);
      assert.equal((await place.stored("node-a")).length, 3);
    });

    it("continues the chain after a close and reopen, and keeps nodes apart", async () => {
      const first = sink();
      const before = chainLines("node-a", await first.head(), 2);
      await first.write(before);
      await first.sync();
      await first.close();
      const other = sink("node-b");
      await other.write(chainLines("node-b", await other.head(), 1));
      const again = sink();
      const head = await again.head();
      assert.deepEqual(head, { seq: 2, hash: lineHash(withoutNewline(before)[1]!) });
      const after = chainLines("node-a", head, 2);
      await again.write(after);
      assert.deepEqual(await place.stored("node-a"), withoutNewline([...before, ...after]));
      assert.equal((await place.stored("node-b")).length, 1);
    });

    it("searches every node's entries, newest first, up to the limit", async () => {
      const a = sink("node-a");
      const b = sink("node-b");
      const aLines = chainLines("node-a", await a.head(), 3);
      await a.write(aLines);
      const bLines = chainLines("node-b", await b.head(), 2);
      await b.write(bLines);
      const all = await a.search!({}, 10);
      assert.equal(all.length, 5);
      const times = all.map((line) => Date.parse((JSON.parse(line) as { time: string }).time));
      assert.deepEqual(
        times,
        [...times].sort((x, y) => y - x),
        "newest first",
      );
      assert.equal((await b.search!({}, 2)).length, 2);
      const first = JSON.parse(withoutNewline(aLines)[0]!) as { operationName: string; vault: string };
      const matching = await b.search!({ operation: first.operationName, vault: first.vault.toUpperCase() }, 10);
      assert.ok(matching.length >= 1);
      assert.ok(matching.every((line) => (JSON.parse(line) as { operationName: string }).operationName === first.operationName));
      assert.deepEqual(await a.search!({ vault: "no-such-vault" }, 10), []);
    });

    it(
      "refuses a line whose seq another sink of the same node already wrote, naming the node as in use",
      { skip: kind.sharedNodeUndetected ?? false },
      async () => {
        const mine = sink();
        const theirs = sink();
        const genesis = await theirs.head();
        await mine.write(chainLines("node-a", await mine.head(), 2));
        await assert.rejects(theirs.write(chainLines("node-a", genesis, 1)), /node id "node-a" is in use by another process/);
        const later = chainLines("node-a", await theirs.head(), 1);
        await assert.rejects(theirs.write(later), /in use by another process/, "and it stays refused: it never joins the other's chain");
        assert.equal((await place.stored("node-a")).length, 2);
      },
    );
  });
}

runAuditSinkContract({
  name: "file",
  sharedNodeUndetected: "appends of two processes to one file cannot be told apart: the file sink needs a node id per process",
  async place() {
    const dir = mkdtempSync(join(tmpdir(), "keyhold-audit-sink-"));
    return {
      open: (node) => new FileAuditSink(dir, node, 1 << 20),
      stored: async (node) =>
        (await auditFilesIn(dir)).filter((f) => f.node === node).flatMap((f) => readFileSync(f.path, "utf8").split("\n").filter(Boolean)),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

if (!POSTGRES_URL) {
  describe("audit sink contract: postgres", () => {
    it("needs a PostgreSQL server (npm test starts one when PostgreSQL is installed)", { skip: "no PostgreSQL here" }, () => {});
  });
} else {
  runAuditSinkContract({
    name: "postgres",
    async place() {
      const database = await newDatabase("keyhold_audit_sink");
      // The store's migrations make the table, as a server's start does.
      await (await PostgresStore.open(database.url, { poolSize: 1 })).close();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      return {
        open: (node) => new PostgresAuditSink(database.url, node),
        stored: async (node) =>
          (await client.query<{ line: string }>("SELECT line FROM audit_entries WHERE node = $1 ORDER BY seq", [node])).rows.map(
            (r) => r.line,
          ),
        cleanup: async () => {
          await client.end();
          await database.drop();
        },
      };
    },
  });
}
