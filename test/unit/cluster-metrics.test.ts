import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LocalMetrics, type MetricsJson, MetricsUnavailable } from "../../src/server/metrics/cluster-metrics-protocol.js";
import { aggregateExposition } from "../../src/server/metrics/cluster-primary-metrics.js";
import { KeyholdMetrics } from "../../src/server/metrics/keyhold-metrics.js";
import { type MetricsPeer, WorkerMetricsGatherer } from "../../src/server/metrics/worker-metrics-gatherer.js";
import type { RequestOutcome } from "../../src/server/request-outcome.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";

const outcome = (status: number): RequestOutcome => ({
  operation: "secrets/get",
  vault: null,
  objectName: null,
  objectVersion: null,
  caller: null,
  errorCode: null,
  requestId: "a-request-id",
  method: "GET",
  route: "/secrets/:name",
  status,
  startedAt: 0,
  durationMs: 2,
  sourceAddress: "192.0.2.7",
});

/** Each process's registry as the primary gathers it. */
const gathered = (...processes: KeyholdMetrics[]): Promise<MetricsJson[]> =>
  Promise.all(processes.map((metrics) => metrics.registry.getMetricsAsJSON()));

/** Peers that record what they were asked, for the test to answer (or not). */
function peers(...ids: number[]): { peers: MetricsPeer[]; asked: Map<number, number> } {
  const asked = new Map<number, number>();
  return { asked, peers: ids.map((id) => ({ id, send: (message) => asked.set(id, message.id) })) };
}

const answer = (id: number, metrics: MetricsJson | null): LocalMetrics => ({ type: "keyhold-metrics-local", id, metrics });

/** How a cluster's registries add up, and how the primary waits for its workers' (with workers, one IPC round). */
describe("cluster metrics", () => {
  it("adds counters, histograms and pools up across processes, and does not add up the leader gauge", async () => {
    const [primary, first, second] = [new KeyholdMetrics(), new KeyholdMetrics(), new KeyholdMetrics()];
    primary.background.leads(true);
    // A second leader cannot happen under one primary; it shows the gauge is not summed.
    first.background.leads(true);
    for (let i = 0; i < 2; i++) first.observeRequest(outcome(200));
    for (let i = 0; i < 3; i++) second.observeRequest(outcome(200));
    second.observeRequest(outcome(404));
    for (const worker of [first, second]) worker.store.pool(() => ({ total: 3, idle: 1, waiting: 2, max: 10 }));
    const samples = parsePrometheusText(await aggregateExposition(await gathered(primary, first, second)));
    assert.equal(sampleValue(samples, "keyhold_requests_total", { operation: "secrets/get", status: "200" }), 5);
    assert.equal(sampleValue(samples, "keyhold_requests_total", { operation: "secrets/get", status: "404" }), 1);
    assert.equal(sampleValue(samples, "keyhold_request_duration_seconds_count", { operation: "secrets/get" }), 6);
    assert.equal(sampleValue(samples, "keyhold_request_duration_seconds_bucket", { operation: "secrets/get", le: "+Inf" }), 6);
    assert.equal(sampleValue(samples, "keyhold_leader"), 1);
    assert.equal(sampleValue(samples, "keyhold_store_pool_connections", { state: "open" }), 6);
    assert.equal(sampleValue(samples, "keyhold_store_pool_connections", { state: "waiting" }), 4);
    assert.equal(sampleValue(samples, "keyhold_store_pool_max_connections"), 20);
  });

  it("reports no leader when no process leads", async () => {
    const samples = parsePrometheusText(await aggregateExposition(await gathered(new KeyholdMetrics(), new KeyholdMetrics())));
    assert.equal(sampleValue(samples, "keyhold_leader"), 0);
  });

  it("gathers every worker's registry, ignoring answers from workers it did not ask and repeated ones", async () => {
    const gatherer = new WorkerMetricsGatherer(5_000);
    const { peers: workers, asked } = peers(1, 2);
    const gathering = gatherer.gather(workers);
    const id = asked.get(1)!;
    assert.equal(asked.get(2), id, "one request id for the whole gathering");
    const [one, two] = await gathered(new KeyholdMetrics(), new KeyholdMetrics());
    gatherer.receive(1, answer(id, one!));
    gatherer.receive(1, answer(id, one!));
    gatherer.receive(3, answer(id, one!));
    gatherer.receive(2, answer(id, two!));
    assert.deepEqual(await gathering, [one, two]);
    assert.deepEqual(await gatherer.gather([]), [], "without workers, nothing to wait for");
  });

  it("fails with MetricsUnavailable when a worker does not answer in time, and drops its late answer", async () => {
    const gatherer = new WorkerMetricsGatherer(50);
    const { peers: workers, asked } = peers(1, 2);
    const started = Date.now();
    const gathering = gatherer.gather(workers);
    const [one] = await gathered(new KeyholdMetrics());
    gatherer.receive(1, answer(asked.get(1)!, one!));
    await assert.rejects(gathering, (error: unknown) => error instanceof MetricsUnavailable && /1 of 2 workers/.test(error.message));
    assert.ok(Date.now() - started < 1_000, "the scrape is not held beyond the timeout");
    gatherer.receive(2, answer(asked.get(2)!, one!));
  });

  it("fails at once when a worker says it could not collect its metrics", async () => {
    const gatherer = new WorkerMetricsGatherer(60_000);
    const { peers: workers, asked } = peers(1);
    const gathering = gatherer.gather(workers);
    gatherer.receive(1, answer(asked.get(1)!, null));
    await assert.rejects(gathering, MetricsUnavailable);
  });
});
