import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startBackgroundWork } from "../../src/server/background-work.js";
import { startMetricsListener } from "../../src/server/metrics/metrics-listener.js";
import { eventually } from "../support/eventually.js";
import { type Sample, parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const API = "api-version=7.4";
const OBJECT_NAME = "metrics-object-name";
const SECRET_VALUE = "metrics-secret-value";

/** `/metrics` on the main listener and on the separate one: the format, what moves with traffic, who may read it. */
describe("metrics", () => {
  let t: TestApp;
  let reader: { clientId: string; clientSecret: string; token: string };
  before(async () => {
    t = await createTestApp("dev");
    const made = await t.ctx.principals.createServicePrincipal("metrics-reader");
    const token = (await t.ctx.issuer.issue(made.principal, made.credentialId, "https://vault.azure.net")).accessToken;
    reader = { clientId: made.principal.id, clientSecret: made.clientSecret, token };
  });
  after(async () => {
    await t.close();
  });

  const metricsText = async (): Promise<string> => {
    const response = await t.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${t.token}` } });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    return response.body;
  };
  const scrape = async (): Promise<Sample[]> => parsePrometheusText(await metricsText());
  const vaultCall = (method: "GET" | "PUT", path: string, body?: object) =>
    t.app.inject({
      method,
      url: `${path}?${API}`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });
  const tokenRequest = (secret: string) =>
    t.app.inject({
      method: "POST",
      url: "/adfs/oauth2/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: reader.clientId,
        client_secret: secret,
        scope: "https://vault.azure.net/.default",
      }).toString(),
    });

  it("is Prometheus's text format, every name prefixed keyhold_ (or the process's own)", async () => {
    const samples = await scrape();
    assert.ok(samples.length > 0);
    for (const sample of samples) assert.match(sample.name, /^(keyhold_|process_|nodejs_)/, sample.name);
  });

  it("counts requests by operation and status and times them, as traffic comes", async () => {
    assert.equal((await vaultCall("PUT", `/secrets/${OBJECT_NAME}`, { value: SECRET_VALUE })).statusCode, 200);
    const before = await scrape();
    for (let i = 0; i < 3; i++) assert.equal((await vaultCall("GET", `/secrets/${OBJECT_NAME}`)).statusCode, 200);
    assert.equal((await vaultCall("GET", "/secrets/not-there")).statusCode, 404);
    const afterwards = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(afterwards, name, labels) - sampleValue(before, name, labels);
    assert.equal(moved("keyhold_requests_total", { operation: "secrets/get", status: "200" }), 3);
    assert.equal(moved("keyhold_requests_total", { operation: "secrets/get", status: "404" }), 1);
    assert.equal(moved("keyhold_request_duration_seconds_count", { operation: "secrets/get" }), 4);
    assert.equal(moved("keyhold_request_duration_seconds_bucket", { operation: "secrets/get", le: "+Inf" }), 4);
    assert.ok(moved("keyhold_request_duration_seconds_sum", { operation: "secrets/get" }) > 0);
    // The scrape before this one counted itself too, once it was answered.
    assert.ok(sampleValue(afterwards, "keyhold_requests_total", { operation: "Keyhold/metrics/read", status: "200" }) >= 1);
  });

  it("measures the store's group commits and their batch sizes", async () => {
    const before = await scrape();
    await Promise.all([1, 2, 3, 4].map((i) => vaultCall("PUT", `/secrets/batch-${i}`, { value: "v" })));
    const afterwards = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(afterwards, name, labels) - sampleValue(before, name, labels);
    assert.ok(moved("keyhold_store_duration_seconds_count", { kind: "commit" }) >= 1);
    assert.ok(moved("keyhold_group_commit_batch_size_count") >= 1);
    assert.equal(moved("keyhold_group_commit_batch_size_sum"), 4, "four writes, in however many batches");
    assert.equal(sampleValue(afterwards, "keyhold_store_errors_total", { kind: "commit" }), 0);
  });

  it("counts tokens issued and token requests refused, by OAuth error", async () => {
    const before = await scrape();
    assert.equal((await tokenRequest(reader.clientSecret)).statusCode, 200);
    assert.equal((await tokenRequest("not-the-secret")).statusCode, 401);
    const afterwards = await scrape();
    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(afterwards, name, labels) - sampleValue(before, name, labels);
    assert.equal(moved("keyhold_tokens_issued_total", { operation: "identity/token" }), 1);
    assert.equal(moved("keyhold_token_failures_total", { operation: "identity/token", error: "invalid_client" }), 1);
    assert.doesNotMatch(await metricsText(), /not-the-secret/);
  });

  it("reports the background work: leadership and purges", async () => {
    const background = startBackgroundWork(t.store, t.ctx, 20, () => undefined);
    try {
      const ranOnce = await eventually(async () =>
        (await scrape()).some((s) => s.name === "keyhold_background_purged_total" && s.labels.what === "vaults"),
      );
      assert.ok(ranOnce, "a round of background work ran");
      const samples = await scrape();
      assert.equal(sampleValue(samples, "keyhold_leader"), 1);
      assert.equal(sampleValue(samples, "keyhold_background_purged_total", { what: "objects" }), 0);
      assert.equal(sampleValue(samples, "keyhold_background_failures_total", { work: "round" }), 0);
    } finally {
      background.stop();
    }
  });

  it("counts audit writes and failures as the audit trail reports them", async () => {
    t.ctx.metrics.auditWrite(true);
    t.ctx.metrics.auditWrite(true);
    t.ctx.metrics.auditWrite(false);
    const samples = await scrape();
    assert.ok(sampleValue(samples, "keyhold_audit_writes_total", { result: "written" }) >= 2);
    assert.equal(sampleValue(samples, "keyhold_audit_writes_total", { result: "failed" }), 1);
  });

  it("never labels a sample with an object name, a vault, a caller or a value", async () => {
    const text = await metricsText();
    for (const secret of [OBJECT_NAME, SECRET_VALUE, "test-vault", t.principal.id, t.credentialId, reader.clientId]) {
      assert.doesNotMatch(text, new RegExp(secret), secret);
    }
  });

  it("refuses the main listener's /metrics without a token (401) and without Keyhold/metrics/read (403)", async () => {
    const anonymous = await t.app.inject({ method: "GET", url: "/metrics" });
    assert.equal(anonymous.statusCode, 401);
    assert.doesNotMatch(anonymous.body, /keyhold_requests_total/);
    const unprivileged = await t.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${reader.token}` } });
    assert.equal(unprivileged.statusCode, 403);
    assert.match(unprivileged.body, /Keyhold\/metrics\/read/);
    assert.doesNotMatch(unprivileged.body, /keyhold_requests_total/);
  });

  it("serves /metrics without a token on the separate plain-HTTP listener, and nothing else there", async () => {
    const listener = await startMetricsListener(t.ctx.metrics, "127.0.0.1", 0);
    try {
      const response = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
      assert.equal(response.status, 200);
      const samples = parsePrometheusText(await response.text());
      assert.ok(sampleValue(samples, "keyhold_requests_total", { operation: "secrets/get", status: "200" }) >= 3);
      assert.equal((await fetch(`http://127.0.0.1:${listener.port}/secrets/${OBJECT_NAME}`)).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${listener.port}/metrics`, { method: "POST" })).status, 405);
    } finally {
      await listener.close();
    }
  });
});
