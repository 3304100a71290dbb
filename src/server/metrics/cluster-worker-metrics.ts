import type { Registry } from "prom-client";
import {
  type LocalMetrics,
  type MetricsJson,
  MetricsUnavailable,
  SCRAPE_TIMEOUT_MS,
  type ScrapeRequest,
  isGatherRequest,
  isScrapeAnswer,
} from "./cluster-metrics-protocol.js";

/**
 * A worker's side of a cluster's metrics: it gives its registry when the primary gathers, and a scrape that reaches
 * it asks the primary for the whole cluster's sum, since one worker knows only its own share of the traffic.
 */
let nextScrapeId = 0;
const scrapesWaiting = new Map<number, (text: string | null) => void>();

/** A closed channel means the primary is going away; the scrape then fails by its timeout. */
const ignoreClosedChannel = (): void => undefined;

/** Call once, in the worker, with its registry. */
export function joinClusterMetrics(registry: Registry): void {
  process.on("message", (message: unknown) => {
    if (isScrapeAnswer(message)) return scrapesWaiting.get(message.id)?.(message.text);
    if (!isGatherRequest(message)) return;
    const reply = (metrics: MetricsJson | null) =>
      process.send?.(
        { type: "keyhold-metrics-local", id: message.id, metrics } satisfies LocalMetrics,
        undefined,
        undefined,
        ignoreClosedChannel,
      );
    registry.getMetricsAsJSON().then(reply, () => reply(null));
  });
}

/** The cluster's metrics in the text format, from the primary; `MetricsUnavailable` when it cannot give them in time. */
export function askPrimaryForMetrics(): Promise<string> {
  const id = nextScrapeId++;
  return new Promise((resolve, reject) => {
    const settle = (text: string | null) => {
      clearTimeout(timer);
      scrapesWaiting.delete(id);
      if (text === null) reject(new MetricsUnavailable("the cluster's metrics could not be gathered in time"));
      else resolve(text);
    };
    const timer = setTimeout(() => settle(null), SCRAPE_TIMEOUT_MS);
    scrapesWaiting.set(id, settle);
    process.send?.({ type: "keyhold-metrics-scrape", id } satisfies ScrapeRequest, undefined, undefined, ignoreClosedChannel);
  });
}
