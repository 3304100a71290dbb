import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";

/** `keyhold dev --metrics-port N`: a plain-HTTP `/metrics` on 127.0.0.1 for a local scraper. */
describe("keyhold dev --metrics-port", () => {
  let server: DevServer;
  let metricsUrl: string;
  before(async () => {
    server = await startDevServer(undefined, ["--metrics-port", "0"]);
    const match = /Metrics +(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output());
    assert.ok(match, `the banner names the metrics listener:\n${server.output()}`);
    metricsUrl = match[1]!;
  });
  after(async () => {
    await server.stop();
    rmSync(server.dir, { recursive: true, force: true });
  });

  it("serves the server's metrics without a token, the process's own among them", async () => {
    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    const samples = parsePrometheusText(await response.text());
    assert.ok(samples.some((s) => s.name === "process_resident_memory_bytes"));
    assert.ok([0, 1].includes(sampleValue(samples, "keyhold_leader")));
    assert.ok(samples.some((s) => s.name === "keyhold_leader"));
  });
});
