import { type GatherRequest, type LocalMetrics, type MetricsJson, MetricsUnavailable } from "./cluster-metrics-protocol.js";

/** A worker as the gatherer sees it: who it is, and how to ask it. */
export interface MetricsPeer {
  readonly id: number;
  send(message: GatherRequest): void;
}

interface Gathering {
  waiting: Set<number>;
  answers: MetricsJson[];
  finish(error?: Error): void;
}

/**
 * In the primary: asks each worker for its registry and waits for every answer, or fails with `MetricsUnavailable`
 * once the timeout passes, so that a stuck worker never hangs a scrape. Answers are matched by request id and
 * worker; one that comes late, twice or from a worker that was not asked is dropped.
 */
export class WorkerMetricsGatherer {
  #nextId = 0;
  readonly #pending = new Map<number, Gathering>();

  constructor(readonly timeoutMs: number) {}

  gather(peers: readonly MetricsPeer[]): Promise<MetricsJson[]> {
    if (peers.length === 0) return Promise.resolve([]);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const waiting = new Set(peers.map((peer) => peer.id));
      const answers: MetricsJson[] = [];
      const timer = setTimeout(
        () => finish(new MetricsUnavailable(`${waiting.size} of ${peers.length} workers gave no metrics within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        if (error) reject(error);
        else resolve(answers);
      };
      this.#pending.set(id, { waiting, answers, finish });
      for (const peer of peers) peer.send({ type: "keyhold-metrics-gather", id });
    });
  }

  /** A worker's answer, as the primary receives it. */
  receive(peerId: number, message: LocalMetrics): void {
    const gathering = this.#pending.get(message.id);
    if (!gathering || !gathering.waiting.delete(peerId)) return;
    if (message.metrics === null) return gathering.finish(new MetricsUnavailable("a worker could not collect its metrics"));
    gathering.answers.push(message.metrics);
    if (gathering.waiting.size === 0) gathering.finish();
  }
}
