import { Counter, Registry, collectDefaultMetrics } from "prom-client";
import type { StoreMetrics } from "../../storage/store-metrics.js";
import type { OutcomeObserver } from "../request-outcome.js";
import { type BackgroundMetrics, backgroundMetrics } from "./background-metrics.js";
import { requestMetrics } from "./request-metrics.js";
import { storeMetrics } from "./store-metrics.js";

/**
 * One process's metrics, in a registry of its own (never prom-client's global one, so that several servers in
 * one process, as in tests, keep theirs apart). Every name starts with `keyhold_`; labels are bounded sets
 * (operations, statuses, kinds of work), never a vault, an object or a caller (docs/operations.md, "Metrics").
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
    help: "Audit entries written, and those that could not be (each such request was refused)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  /**
   * For the audit trail: call once per entry, with whether it was durably written. A failure is what an alert
   * should watch: under fail-closed auditing each one is a request refused.
   */
  auditWrite(ok: boolean): void {
    this.#auditWrites.labels(ok ? "written" : "failed").inc();
  }

  /** Adds the process's own metrics (CPU, memory, event loop lag, GC), under their usual `process_`/`nodejs_` names. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
