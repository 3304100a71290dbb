import cluster from "node:cluster";
import { Counter, Registry, collectDefaultMetrics } from "prom-client";
import type { StoreMetrics } from "../../storage/store-metrics.js";
import type { OutcomeObserver } from "../request-outcome.js";
import { type BackgroundMetrics, backgroundMetrics } from "./background-metrics.js";
import { clusterExposition, primaryOfServingWorkers } from "./cluster-primary-metrics.js";
import { askPrimaryForMetrics, joinClusterMetrics } from "./cluster-worker-metrics.js";
import { requestMetrics } from "./request-metrics.js";
import { storeMetrics } from "./store-metrics.js";

/**
 * One process's metrics, in a registry of its own (never prom-client's global one, so that several servers in
 * one process, as in tests, keep theirs apart). Every name starts with `keyhold_`; labels are bounded sets
 * (operations, statuses, kinds of work), never a vault, an object or a caller (docs/operations.md, "Metrics").
 *
 * With several workers, a scrape answers the sum over the primary and every worker, whichever process it reaches
 * (cluster-primary-metrics.ts); each metric says how it adds up (its `aggregator`).
 */
export class KeyholdMetrics {
  readonly registry = new Registry();
  /** Hand to the request pipeline: counts and times each finished request. */
  readonly observeRequest: OutcomeObserver = requestMetrics(this.registry);
  /** Hand to the store (`store.reportTo`): its latency, failures, commit batches and pool. */
  readonly store: StoreMetrics = storeMetrics(this.registry);
  /** Told by the background work of each round. */
  readonly background: BackgroundMetrics = backgroundMetrics(this.registry);
  readonly #auditWrites = new Counter({
    name: "keyhold_audit_writes_total",
    help: "Audit trail writes (a batch of entries, or a flush) that succeeded, and those that failed (their requests were refused)",
    labelNames: ["result"] as const,
    registers: [this.registry],
    aggregator: "sum",
  });

  constructor() {
    if (!cluster.isWorker) return;
    // The primary collects its own process metrics; a worker's CPU and memory are added to them.
    this.collectProcessMetrics();
    joinClusterMetrics(this.registry);
  }

  /**
   * For the audit trail: call once per batch written and per flush, with whether it succeeded. A failure is what
   * an alert should watch: under fail-closed auditing the requests waiting on it were refused.
   */
  auditWrite(ok: boolean): void {
    this.#auditWrites.labels(ok ? "written" : "failed").inc();
  }

  /** Adds the process's own metrics (CPU, memory, event loop lag, GC), under their usual `process_`/`nodejs_` names. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The text exposition format, and its content type: this process's metrics, or with workers the whole cluster's.
   * Throws `MetricsUnavailable` when some process of the cluster does not answer in time.
   */
  async exposition(): Promise<{ contentType: string; text: string }> {
    const text = cluster.isWorker
      ? await askPrimaryForMetrics()
      : primaryOfServingWorkers()
        ? await clusterExposition(this.registry)
        : await this.registry.metrics();
    return { contentType: this.registry.contentType, text };
  }
}
