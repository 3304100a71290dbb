import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyholdMetrics } from "../../src/server/metrics/keyhold-metrics.js";
import { PostgresStore } from "../../src/storage/postgres/postgres-store.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";

/** What the PostgreSQL store reports: each round trip and transaction, and its pool's usage. */
describe("PostgreSQL store metrics", () => {
  it("times statements and transactions and reports the pool", { skip: !POSTGRES_URL && "no PostgreSQL here" }, async () => {
    const database = await newDatabase("keyhold_metrics");
    const store = await PostgresStore.open(database.url, { poolSize: 4 });
    try {
      const metrics = new KeyholdMetrics();
      store.reportTo(metrics.store);
      await store.initMeta("metrics-test", Buffer.from("x"));
      await store.getMeta("metrics-test");
      await store.transaction(async (tx) => tx.getMeta("metrics-test"));
      const samples = parsePrometheusText((await metrics.exposition()).text);
      assert.ok(sampleValue(samples, "keyhold_store_duration_seconds_count", { kind: "query" }) >= 1);
      assert.ok(sampleValue(samples, "keyhold_store_duration_seconds_count", { kind: "transaction" }) >= 1);
      assert.equal(sampleValue(samples, "keyhold_store_errors_total", { kind: "query" }), 0);
      assert.equal(sampleValue(samples, "keyhold_store_pool_max_connections"), 4);
      const open = sampleValue(samples, "keyhold_store_pool_connections", { state: "open" });
      assert.ok(open >= 1 && open <= 4, `open connections: ${open}`);
      assert.equal(sampleValue(samples, "keyhold_store_pool_connections", { state: "waiting" }), 0);
      assert.equal(sampleValue(samples, "keyhold_group_commit_batch_size_count"), 0, "no group commit on PostgreSQL");
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
