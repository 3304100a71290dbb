import { Counter, Histogram, type Registry } from "prom-client";
import type { OutcomeObserver, RequestOutcome } from "../request-outcome.js";

/** Request latency from half a millisecond (a cached secret read) to ten seconds (an RSA 4096 key generation). */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The operations whose success is a token handed out. */
const TOKEN_OPERATIONS = new Set(["identity/token", "identity/msiToken"]);

/** What a request without an operation (no route matched, health probes) is counted as. */
const NO_OPERATION = "none";

/**
 * Error codes are written by Keyhold's own code (Azure's catalogue, OAuth's errors), so they are a bounded set;
 * anything not shaped like one is counted as `other`, so that no label can ever carry what a caller chose.
 */
const errorLabel = (code: string | null): string => (code === null ? "none" : /^[A-Za-z_.]{1,64}$/.test(code) ? code : "other");

/**
 * Request counters and latency from each finished request's outcome. Labels are the operation (a route's, an admin
 * action or a token endpoint's: a fixed set) and the status; never the vault, the object or the caller, which
 * a client chooses (docs/operations.md, "Metrics").
 */
export function requestMetrics(registry: Registry): OutcomeObserver {
  const requests = new Counter({
    name: "keyhold_requests_total",
    help: "Requests answered, by operation and HTTP status",
    labelNames: ["operation", "status"] as const,
    registers: [registry],
    aggregator: "sum",
  });
  const latency = new Histogram({
    name: "keyhold_request_duration_seconds",
    help: "Time from a request's arrival to its answer, by operation",
    labelNames: ["operation"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
    aggregator: "sum",
  });
  const throttled = new Counter({
    name: "keyhold_throttled_requests_total",
    help: "Requests refused with 429 for going over a service limit, by operation",
    labelNames: ["operation"] as const,
    registers: [registry],
    aggregator: "sum",
  });
  const tokensIssued = new Counter({
    name: "keyhold_tokens_issued_total",
    help: "Access tokens issued, by token endpoint",
    labelNames: ["operation"] as const,
    registers: [registry],
    aggregator: "sum",
  });
  const tokenFailures = new Counter({
    name: "keyhold_token_failures_total",
    help: "Token requests refused or failed, by token endpoint and OAuth error",
    labelNames: ["operation", "error"] as const,
    registers: [registry],
    aggregator: "sum",
  });
  // Children are kept per label set: finding one is a map lookup, where prom-client would check and hash labels.
  const counted = new Map<string, Map<number, Counter.Internal>>();
  const timed = new Map<string, Histogram.Internal<"operation">>();

  return (outcome: RequestOutcome) => {
    const operation = outcome.operation ?? NO_OPERATION;
    let byStatus = counted.get(operation);
    if (!byStatus) counted.set(operation, (byStatus = new Map<number, Counter.Internal>()));
    let counter = byStatus.get(outcome.status);
    if (!counter) byStatus.set(outcome.status, (counter = requests.labels(operation, String(outcome.status))));
    counter.inc();
    let histogram = timed.get(operation);
    if (!histogram) timed.set(operation, (histogram = latency.labels(operation)));
    histogram.observe(outcome.durationMs / 1000);
    if (outcome.status === 429) throttled.labels(operation).inc();
    if (TOKEN_OPERATIONS.has(operation)) {
      if (outcome.status === 200) tokensIssued.labels(operation).inc();
      else tokenFailures.labels(operation, errorLabel(outcome.errorCode)).inc();
    }
  };
}
