import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { PostgresAuditSink } from "../../src/server/audit/audit-postgres-sink.js";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { appendSearchableEntries, openTestTrail, testSigner } from "../support/audit-fixtures.js";
import { runKeyhold } from "../support/cli.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";

if (!POSTGRES_URL) {
  describe("keyhold audit --database", () => {
    it("needs a PostgreSQL server (npm test starts one when PostgreSQL is installed)", { skip: "no PostgreSQL here" }, () => {});
  });
} else {
  describe("keyhold audit --database", () => {
    let database: { url: string; drop: () => Promise<void> };
    let client: pg.Client;
    let dir: string;
    const signer = testSigner();
    before(async () => {
      database = await newDatabase("keyhold_cli_audit");
      await (await PostgresStore.open(database.url, { poolSize: 1 })).close();
      const sink = new PostgresAuditSink(database.url, "node-a");
      await sink.publishPublicKey(signer.keyId, signer.publicKeyPem);
      const trail = await openTestTrail(sink, signer);
      await appendSearchableEntries(trail);
      await trail.close();
      client = new pg.Client({ connectionString: database.url });
      await client.connect();
      dir = mkdtempSync(join(tmpdir(), "keyhold-cli-audit-pg-"));
    });
    after(async () => {
      await client.end();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("verify passes the table with the key stored beside it, and names the first edited row with exit status 1", async () => {
      const ok = runKeyhold({}, ["audit", "verify", "--database", database.url]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), {
        nodes: 1,
        entries: 8,
        checkpoints: 2,
        signaturesChecked: 2,
        unsignedTail: 0,
        verified: true,
      });

      await client.query(`UPDATE audit_entries SET line = replace(line, '"s2"', '"s7"') WHERE seq = 3`);
      try {
        const broken = runKeyhold({}, ["audit", "verify", "--database", database.url]);
        assert.equal(broken.status, 1);
        assert.match(broken.stderr, /^ERROR: .*audit_entries, node node-a, line 3 \(seq 3\): edited/);
        assert.equal(broken.stderr.trim().split("\n").length, 1);
      } finally {
        await client.query(`UPDATE audit_entries SET line = replace(line, '"s7"', '"s2"') WHERE seq = 3`);
      }
    });

    it("verify checks with the key given, refusing checkpoints another key signed", () => {
      const other = join(dir, "other.pem");
      writeFileSync(other, testSigner().publicKeyPem);
      const broken = runKeyhold({}, ["audit", "verify", "--database", database.url, "--public-key", other]);
      assert.equal(broken.status, 1);
      assert.match(broken.stderr, /bad-signature/);
    });

    it("tail prints the newest entries and search those matching every filter", () => {
      const tail = runKeyhold({}, ["audit", "tail", "-n", "2", "--database", database.url]);
      assert.equal(tail.status, 0, tail.stderr);
      const seqs = tail.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).seq);
      assert.deepEqual(seqs, [7, 8]);
      const found = runKeyhold({}, ["audit", "search", "--vault", "v1", "--operation", "secretget", "--database", database.url]);
      assert.equal(found.status, 0, found.stderr);
      const ids = found.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).requestId);
      assert.deepEqual(ids, ["request-0", "request-1", "request-2", "request-3", "request-5"]);
    });

    it("says in one line where the database holds no trail", async () => {
      const empty = await newDatabase("keyhold_cli_audit_none");
      try {
        const none = runKeyhold({}, ["audit", "verify", "--database", empty.url]);
        assert.equal(none.status, 1);
        assert.match(none.stderr, /^ERROR: .*holds no audit trail/);
      } finally {
        await empty.drop();
      }
    });
  });
}
