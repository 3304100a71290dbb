import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { PoolUsage, StoreMetrics, StoreWorkKind } from "../../storage/store-metrics.js";
import { LATENCY_BUCKETS } from "./request-metrics.js";

/** Group commit sizes: one unit alone up to the thousands a burst of writers or a batch import gathers. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** The store's latency, failures, group-commit batches and connection pool, as the store reports them. */
export function storeMetrics(registry: Registry): StoreMetrics {
  const duration = new Histogram({
    name: "keyhold_store_duration_seconds",
    help: "Store work by kind: commit (an embedded store's group commit with its sync), query or transaction (PostgreSQL)",
    labelNames: ["kind"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
    aggregator: "sum",
  });
  const errors = new Counter({
    name: "keyhold_store_errors_total",
    help: "Store work that failed because the store could not do it (unreachable, a failed commit or sync), by kind",
    labelNames: ["kind"] as const,
    registers: [registry],
    aggregator: "sum",
  });
  const batches = new Histogram({
    name: "keyhold_group_commit_batch_size",
    help: "Units of work written by one group commit of the embedded store (one transaction, one sync)",
    buckets: BATCH_BUCKETS,
    registers: [registry],
    aggregator: "sum",
  });
  let usage: (() => PoolUsage) | null = null;
  new Gauge({
    name: "keyhold_store_pool_connections",
    help: "PostgreSQL pool connections by state (open, idle), and callers waiting for one",
    labelNames: ["state"] as const,
    registers: [registry],
    // Each process has a pool of its own: the sum is the connections the whole server holds on PostgreSQL.
    aggregator: "sum",
    collect() {
      if (!usage) return;
      const now = usage();
      this.set({ state: "open" }, now.total);
      this.set({ state: "idle" }, now.idle);
      this.set({ state: "waiting" }, now.waiting);
    },
  });
  new Gauge({
    name: "keyhold_store_pool_max_connections",
    help: "Most connections the PostgreSQL pool opens",
    registers: [registry],
    // Per process, as the pools are: the sum is the most the whole server may open, what max_connections must allow.
    aggregator: "sum",
    collect() {
      if (usage) this.set(usage().max);
    },
  });
  const timers = {
    commit: duration.labels("commit"),
    query: duration.labels("query"),
    transaction: duration.labels("transaction"),
  } satisfies Record<StoreWorkKind, Histogram.Internal<"kind">>;
  return {
    work(kind, seconds, ok) {
      timers[kind].observe(seconds);
      if (!ok) errors.labels(kind).inc();
    },
    batch: (units) => batches.observe(units),
    pool(read) {
      usage = read;
    },
  };
}
