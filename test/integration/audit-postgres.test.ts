import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import pg from "pg";
import { DEFAULT_AUDIT_MAX_FILE_BYTES } from "../../src/config/audit-setting.js";
import { ConfigError } from "../../src/config/config-error.js";
import { Envelope } from "../../src/crypto/envelope.js";
import { PostgresAuditSink } from "../../src/server/audit/audit-postgres-sink.js";
import { loadAuditSigner } from "../../src/server/audit/audit-signer.js";
import { AuditTable } from "../../src/server/audit/audit-table.js";
import { verifyAuditLines } from "../../src/server/audit/audit-verify.js";
import { openAuditTrail } from "../../src/server/audit/open-audit-trail.js";
import { buildApp } from "../../src/server/build-app.js";
import { createContext } from "../../src/server/create-context.js";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { openTestTrail, testRecord, testSigner } from "../support/audit-fixtures.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";

const postgresSetting = { sink: "postgres" as const, dir: "/nonexistent", maxFileBytes: DEFAULT_AUDIT_MAX_FILE_BYTES, node: "pg-node" };

describe("the PostgreSQL audit sink's setting", () => {
  it("is refused at start-up when the server runs on SQLite", async () => {
    const store = { getMeta: async () => undefined, initMeta: async (_key: string, value: Buffer) => value };
    await assert.rejects(
      openAuditTrail(postgresSetting, store, new Envelope(randomBytes(32)), { databaseUrl: null }),
      (error: unknown) => error instanceof ConfigError && /audit\.sink: "postgres".*runs on SQLite/.test(error.message),
    );
  });
});

if (!POSTGRES_URL) {
  describe("the audit trail in PostgreSQL", () => {
    it("needs a PostgreSQL server (npm test starts one when PostgreSQL is installed)", { skip: "no PostgreSQL here" }, () => {});
  });
} else {
  describe("the audit trail in PostgreSQL", () => {
    let database: { url: string; drop: () => Promise<void> };
    let client: pg.Client;
    const signer = testSigner();
    /** The store seals its audit key under it: every context on this database uses the same. */
    const masterKey = randomBytes(32);
    before(async () => {
      database = await newDatabase("keyhold_audit_pg");
      await (await PostgresStore.open(database.url, { poolSize: 1 })).close();
      client = new pg.Client({ connectionString: database.url });
      await client.connect();
    });
    after(async () => {
      await client.end();
      await database.drop();
    });
    beforeEach(() => client.query("TRUNCATE audit_entries, audit_flushes, audit_keys"));

    async function writeTrail(count: number): Promise<void> {
      const trail = await openTestTrail(new PostgresAuditSink(database.url, "node-a"), signer);
      for (let i = 0; i < count; i++) await trail.append(testRecord(i));
      await trail.close();
    }
    async function verify() {
      const table = await AuditTable.connect(database.url);
      try {
        return await verifyAuditLines(table.runs(), signer.publicKeyPem);
      } finally {
        await table.close();
      }
    }

    it("passes verification as written, and names the row edited or deleted afterwards", async () => {
      await writeTrail(8);
      const intact = await verify();
      assert.equal(intact.problem, null);
      assert.deepEqual([intact.entries, intact.checkpoints, intact.signaturesChecked], [10, 2, 2]);

      await client.query(`UPDATE audit_entries SET line = replace(line, '"s2"', '"s9"') WHERE seq = 3`);
      const edited = (await verify()).problem;
      assert.deepEqual([edited?.kind, edited?.source, edited?.line, edited?.seq], ["edited", "audit_entries, node node-a", 3, 3]);

      await client.query(`UPDATE audit_entries SET line = replace(line, '"s9"', '"s2"') WHERE seq = 3`);
      assert.equal((await verify()).problem, null, "restored");
      await client.query("DELETE FROM audit_entries WHERE seq = 4");
      const missing = (await verify()).problem;
      assert.deepEqual([missing?.kind, missing?.line, missing?.seq], ["missing", 4, 5]);
    });

    it("verifies a chain longer than one page of rows, numbering rows across pages", async () => {
      const trail = await openTestTrail(new PostgresAuditSink(database.url, "node-a"), signer, 1000);
      await Promise.all(Array.from({ length: 5200 }, (_, i) => trail.append(testRecord(i), "written")));
      await trail.close();
      const rowCount = Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM audit_entries")).rows[0]!.n);
      const intact = await verify();
      assert.deepEqual([intact.problem, intact.entries], [null, rowCount]);
      assert.ok(rowCount > 5200);
      const { rows } = await client.query<{ seq: string }>(
        `UPDATE audit_entries SET line = replace(line, '"s5100"', '"sX"') WHERE line LIKE '%"s5100"%' RETURNING seq`,
      );
      const seq = Number(rows[0]!.seq);
      assert.ok(seq > 5000, "on the second page");
      const problem = (await verify()).problem;
      assert.deepEqual([problem?.kind, problem?.line, problem?.seq], ["edited", seq, seq]);
    });

    it("makes PostgreSQL flush the WAL past the written lines when it syncs", async () => {
      const sink = new PostgresAuditSink(database.url, "node-a");
      const trail = await openTestTrail(sink, signer, 1000);
      try {
        await trail.append(testRecord(1), "written");
        const written = (await client.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn")).rows[0]!.lsn;
        await sink.sync();
        const { rows } = await client.query<{ behind: string }>("SELECT pg_wal_lsn_diff($1, pg_current_wal_flush_lsn()) AS behind", [
          written,
        ]);
        assert.ok(Number(rows[0]!.behind) <= 0, `the flushed WAL ends ${rows[0]!.behind} bytes before the written lines`);
      } finally {
        await trail.close();
      }
    });

    it("continues from the last surviving row when the database lost the chain's last rows", async () => {
      const sink = new PostgresAuditSink(database.url, "node-a");
      const trail = await openTestTrail(sink, signer, 1000);
      await trail.append(testRecord(1));
      await trail.append(testRecord(2));
      // As a crash of PostgreSQL loses asynchronous commits not yet flushed.
      await client.query("DELETE FROM audit_entries WHERE seq = 2");
      await assert.rejects(trail.append(testRecord(3)), /no longer ends at seq 2/);
      await trail.append(testRecord(4));
      await trail.close();
      assert.equal((await verify()).problem, null);
    });

    it("refuses a second process's chain on the same node, and verification still passes the first", async () => {
      const first = await openTestTrail(new PostgresAuditSink(database.url, "node-a"), signer, 1000);
      const second = await openTestTrail(new PostgresAuditSink(database.url, "node-a"), signer, 1000);
      await first.append(testRecord(1));
      await assert.rejects(second.append(testRecord(2)), /node id "node-a" is in use by another process/);
      await assert.rejects(second.append(testRecord(3)), /in use by another process/);
      await first.append(testRecord(4));
      await first.close();
      await second.close();
      assert.equal((await verify()).problem, null);
    });

    it("records a server's requests in the table when the server runs on the database", async () => {
      const store = await PostgresStore.open(database.url, { poolSize: 2 });
      const ctx = await createContext(store, {
        mode: "dev",
        masterKey,
        vaultDomains: ["vault.azure.net"],
        defaultVault: null,
        authorityUrl: "https://localhost:8443",
        vaultUriTemplate: "https://{name}.vault.azure.net",
        tokenLifetimeSeconds: 3600,
        logLevel: "silent",
        databaseUrl: database.url,
        audit: { ...postgresSetting, node: "served" },
      });
      const app = buildApp(ctx);
      try {
        await app.ready();
        const refused = await app.inject({
          method: "GET",
          url: "/secrets/absent?api-version=7.4",
          headers: { host: "audited.vault.azure.net", authorization: "Bearer not-a-token" },
        });
        assert.equal(refused.statusCode, 401);
      } finally {
        await app.close();
        await store.close();
      }
      const { rows } = await client.query<{ line: string }>("SELECT line FROM audit_entries WHERE node = 'served' ORDER BY seq");
      const entries = rows.map((r) => JSON.parse(r.line) as { type: string; result?: { status: number } });
      assert.deepEqual(
        entries.map((e) => [e.type, e.result?.status]),
        [
          ["outcome", 401],
          ["checkpoint", undefined],
        ],
      );
    });

    it("is opened from the server's database, with the checkpoints' key stored beside the trail", async () => {
      const store = await PostgresStore.open(database.url, { poolSize: 1 });
      const envelope = new Envelope(masterKey);
      try {
        const trail = await openAuditTrail(postgresSetting, store, envelope, { databaseUrl: database.url });
        await trail!.append(testRecord(1));
        await trail!.close();
        const key = (await loadAuditSigner(store, envelope)).publicKeyPem;
        const table = await AuditTable.connect(database.url);
        try {
          assert.deepEqual(await table.publicKeys(), [key]);
          assert.deepEqual(await table.nodes(), ["pg-node"]);
          const result = await verifyAuditLines(table.runs(), key);
          assert.equal(result.problem, null);
          assert.equal(result.signaturesChecked, 1);
        } finally {
          await table.close();
        }
      } finally {
        await store.close();
      }
    });
  });
}
