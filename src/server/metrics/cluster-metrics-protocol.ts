import type { MetricObjectWithValues, MetricValue } from "prom-client";

/**
 * The IPC messages by which a cluster's primary and workers add their metrics up. They carry metrics and
 * request ids only: the same channel carries the config with the master key, and nothing of it is ever echoed here.
 */

/** One process's registry as `registry.getMetricsAsJSON()` gives it, which prom-client's aggregation takes. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Primary → worker: send your registry. */
export interface GatherRequest {
  type: "keyhold-metrics-gather";
  id: number;
}

/** Worker → primary: my registry, or null when it could not be collected. */
export interface LocalMetrics {
  type: "keyhold-metrics-local";
  id: number;
  metrics: MetricsJson | null;
}

/** Worker → primary: a scraper asked me; answer with the whole cluster's metrics. */
export interface ScrapeRequest {
  type: "keyhold-metrics-scrape";
  id: number;
}

/** Primary → worker: the cluster's metrics in the text format, or null when some process did not answer in time. */
export interface ScrapeAnswer {
  type: "keyhold-metrics-scraped";
  id: number;
  text: string | null;
}

/** How long the primary waits for every worker's registry before it gives up on the scrape. */
export const GATHER_TIMEOUT_MS = 3_000;

/** How long a worker waits for the primary's answer: the primary's own wait, and a margin for the IPC. */
export const SCRAPE_TIMEOUT_MS = GATHER_TIMEOUT_MS + 1_000;

const isMessage = (message: unknown, type: string): boolean =>
  typeof message === "object" &&
  message !== null &&
  (message as { type?: unknown }).type === type &&
  typeof (message as { id?: unknown }).id === "number";

export const isGatherRequest = (message: unknown): message is GatherRequest => isMessage(message, "keyhold-metrics-gather");
export const isLocalMetrics = (message: unknown): message is LocalMetrics => isMessage(message, "keyhold-metrics-local");
export const isScrapeRequest = (message: unknown): message is ScrapeRequest => isMessage(message, "keyhold-metrics-scrape");
export const isScrapeAnswer = (message: unknown): message is ScrapeAnswer => isMessage(message, "keyhold-metrics-scraped");

/**
 * Some process of the cluster did not give its metrics in time. The scrape fails (503) rather than answering
 * without that process's counts: a sum that drops a process makes every counter go down, which Prometheus takes
 * for a restart and turns into bogus rates.
 */
export class MetricsUnavailable extends Error {}
