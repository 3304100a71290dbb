import type { Worker } from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";
import { GATHER_TIMEOUT_MS, type MetricsJson, type ScrapeAnswer, isLocalMetrics, isScrapeRequest } from "./cluster-metrics-protocol.js";
import { type MetricsPeer, WorkerMetricsGatherer } from "./worker-metrics-gatherer.js";

/**
 * The primary's side of a cluster's metrics. The primary adds its own registry (the leader gauge, background work,
 * its store) to every worker's; a scrape of the primary's listener, or one a worker passes on, gets that sum.
 * Cluster state is the process's, so it is kept here rather than per server.
 */
const gatherer = new WorkerMetricsGatherer(GATHER_TIMEOUT_MS);

/** Workers that listen: their registry exists and answers. One still loading its modules would miss the request. */
const servingWorkers = new Set<Worker>();

/** The primary's own registry, which workers' scrapes are answered with (added to theirs). */
let primaryRegistry: Registry | null = null;

/** Every process's registry added up, each metric by its own `aggregator` (sum unless it says otherwise). */
export function aggregateExposition(registries: readonly MetricsJson[]): Promise<string> {
  return AggregatorRegistry.aggregate([...registries]).metrics();
}

export function workerServes(worker: Worker): void {
  servingWorkers.add(worker);
}

export function workerLeft(worker: Worker): void {
  servingWorkers.delete(worker);
}

/** Whether this process is a cluster's primary with workers serving: then a scrape is the cluster's sum. */
export const primaryOfServingWorkers = (): boolean => servingWorkers.size > 0;

/** Called when the primary starts its workers: its own registry, added to the workers' when a worker asks. */
export function answerWorkerScrapesWith(registry: Registry): void {
  primaryRegistry = registry;
}

/** The cluster's metrics: `own` and every serving worker's, added up; `MetricsUnavailable` if one does not answer. */
export async function clusterExposition(own: Registry): Promise<string> {
  const peers: MetricsPeer[] = [...servingWorkers]
    .filter((worker) => worker.isConnected())
    .map((worker) => ({ id: worker.id, send: (message) => worker.send(message, ignoreClosedChannel) }));
  const workers = await gatherer.gather(peers);
  return aggregateExposition([await own.getMetricsAsJSON(), ...workers]);
}

/** A worker's metrics message, as the primary receives it: an answer to a gather, or a scrape to answer. */
export function onWorkerMetricsMessage(worker: Worker, message: unknown): void {
  if (isLocalMetrics(message)) return gatherer.receive(worker.id, message);
  if (!isScrapeRequest(message)) return;
  const answer = (text: string | null) => {
    if (worker.isConnected())
      worker.send({ type: "keyhold-metrics-scraped", id: message.id, text } satisfies ScrapeAnswer, ignoreClosedChannel);
  };
  if (!primaryRegistry) return answer(null);
  clusterExposition(primaryRegistry).then(answer, () => answer(null));
}

/** A worker that disconnects mid-scrape cannot be answered; the scrape fails by its timeout instead. */
const ignoreClosedChannel = (): void => undefined;
