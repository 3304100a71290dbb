import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { requestMetrics } from "../../src/server/metrics/request-metrics.js";
import type { RequestOutcome } from "../../src/server/request-outcome.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";

const outcome = (change: Partial<RequestOutcome>): RequestOutcome => ({
  operation: "secrets/get",
  vault: "a-vault-name",
  objectName: "an-object-name",
  objectVersion: "0123456789abcdef",
  caller: { principalId: "a-principal-id", credentialId: "a-credential-id", kind: "servicePrincipal" },
  errorCode: null,
  requestId: "a-request-id",
  method: "GET",
  route: "/secrets/:name",
  status: 200,
  startedAt: 0,
  durationMs: 1.5,
  sourceAddress: "192.0.2.7",
  ...change,
});

async function observed(outcomes: RequestOutcome[]) {
  const registry = new Registry();
  const observe = requestMetrics(registry);
  for (const o of outcomes) observe(o);
  const text = await registry.metrics();
  return { text, samples: parsePrometheusText(text) };
}

/** The request observer's counters, from outcomes made up for the purpose. */
describe("request metrics", () => {
  it("counts throttled requests (429) by operation", async () => {
    const { samples } = await observed([outcome({ status: 429, errorCode: "Throttled" }), outcome({ status: 429 }), outcome({})]);
    assert.equal(sampleValue(samples, "keyhold_throttled_requests_total", { operation: "secrets/get" }), 2);
    assert.equal(sampleValue(samples, "keyhold_requests_total", { operation: "secrets/get", status: "429" }), 2);
  });

  it("puts the latency in seconds into the bucket it belongs to", async () => {
    const { samples } = await observed([outcome({ durationMs: 0.3 }), outcome({ durationMs: 3 })]);
    const bucket = (le: string) => sampleValue(samples, "keyhold_request_duration_seconds_bucket", { operation: "secrets/get", le });
    assert.equal(bucket("0.0005"), 1);
    assert.equal(bucket("0.0025"), 1);
    assert.equal(bucket("0.005"), 2);
    assert.equal(bucket("10"), 2);
    assert.equal(sampleValue(samples, "keyhold_request_duration_seconds_sum", { operation: "secrets/get" }), 0.0033);
  });

  it("counts a request without an operation as `none`, and token failures by a bounded error label", async () => {
    const { samples } = await observed([
      outcome({ operation: null, status: 404 }),
      outcome({ operation: "identity/msiToken", status: 200 }),
      outcome({ operation: "identity/msiToken", status: 400, errorCode: "invalid_request" }),
      outcome({ operation: "identity/msiToken", status: 400, errorCode: "what a caller wrote {}" }),
      outcome({ operation: "identity/token", status: 503, errorCode: null }),
    ]);
    assert.equal(sampleValue(samples, "keyhold_requests_total", { operation: "none", status: "404" }), 1);
    assert.equal(sampleValue(samples, "keyhold_tokens_issued_total", { operation: "identity/msiToken" }), 1);
    assert.equal(sampleValue(samples, "keyhold_token_failures_total", { operation: "identity/msiToken", error: "invalid_request" }), 1);
    assert.equal(sampleValue(samples, "keyhold_token_failures_total", { operation: "identity/msiToken", error: "other" }), 1);
    assert.equal(sampleValue(samples, "keyhold_token_failures_total", { operation: "identity/token", error: "none" }), 1);
  });

  it("labels nothing with the vault, the object, the version, the caller, the request or the address", async () => {
    const { text, samples } = await observed([outcome({}), outcome({ status: 403, errorCode: "Forbidden" })]);
    for (const sample of samples)
      assert.deepEqual(
        Object.keys(sample.labels).filter((l) => !["operation", "status", "le"].includes(l)),
        [],
      );
    for (const value of [
      "a-vault-name",
      "an-object-name",
      "0123456789abcdef",
      "a-principal-id",
      "a-credential-id",
      "a-request-id",
      "192.0.2.7",
    ])
      assert.doesNotMatch(text, new RegExp(value), value);
  });
});
