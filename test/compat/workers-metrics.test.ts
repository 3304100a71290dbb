import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { tokenFor } from "../support/admin-api.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { eventually } from "../support/eventually.js";
import { type Sample, parsePrometheusText, sampleValue } from "../support/prometheus-text.js";

/** A GET on a connection of its own: the cluster hands each new connection to the next worker in turn. */
function getOnNewConnection(server: DevServer, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "localhost", port: server.port, path, agent: false, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const REQUESTS = 12;
const NOT_FOUND = { operation: "secrets/get", status: "404" };

/** `--workers 2`: every scrape answers the sum over the primary and both workers, whichever process answers it. */
describe("keyhold dev --workers 2: metrics", () => {
  let server: DevServer;
  let token: string;
  let metricsUrl: string;
  before(async () => {
    server = await startDevServer(undefined, ["--workers", "2", "--metrics-port", "0", "--background-interval-ms", "200"]);
    metricsUrl = /Metrics +(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output())![1]!;
    token = await tokenFor(server, server.env.AZURE_CLIENT_ID!, server.env.AZURE_CLIENT_SECRET!);
  });
  after(async () => {
    await server.stop();
  });

  const scrapeMain = async (): Promise<Sample[]> => {
    const { status, body } = await getOnNewConnection(server, "/metrics", token);
    assert.equal(status, 200, body);
    return parsePrometheusText(body);
  };
  const scrapeListener = async (): Promise<Sample[]> => {
    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    return parsePrometheusText(await response.text());
  };

  it("counts every worker's requests in each scrape, on the main listener and the metrics listener", async () => {
    for (let i = 0; i < REQUESTS; i++) {
      assert.equal((await getOnNewConnection(server, `/secrets/absent-${i}?api-version=7.6`, token)).status, 404);
    }
    // Consecutive scrapes on new connections reach both workers; each must see all the requests.
    for (let i = 0; i < 6; i++) {
      assert.equal(sampleValue(await scrapeMain(), "keyhold_requests_total", NOT_FOUND), REQUESTS, `main listener, scrape ${i}`);
    }
    const fromListener = await scrapeListener();
    assert.equal(sampleValue(fromListener, "keyhold_requests_total", NOT_FOUND), REQUESTS);
    assert.equal(sampleValue(fromListener, "keyhold_request_duration_seconds_count", { operation: "secrets/get" }), REQUESTS);
    // The scrapes on the main listener were counted by whichever worker answered them, each once it was answered.
    const scrapesCounted = async () =>
      sampleValue(await scrapeListener(), "keyhold_requests_total", { operation: "Keyhold/metrics/read", status: "200" }) === 6;
    assert.ok(await eventually(scrapesCounted), "all six scrapes of the main listener are counted");
  });

  it("reports the leader as 1, not one per process", async () => {
    assert.ok(await eventually(async () => sampleValue(await scrapeListener(), "keyhold_leader") === 1), "the primary leads");
    for (let i = 0; i < 4; i++) assert.equal(sampleValue(await scrapeMain(), "keyhold_leader"), 1, `main listener, scrape ${i}`);
    const samples = await scrapeListener();
    assert.equal(samples.filter((s) => s.name === "keyhold_leader").length, 1);
    assert.ok(sampleValue(samples, "process_resident_memory_bytes") > 0, "the processes' own metrics are there");
  });
});
