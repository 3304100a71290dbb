import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { MetricsUnavailable } from "./cluster-metrics-protocol.js";
import type { KeyholdMetrics } from "./keyhold-metrics.js";

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/**
 * The metrics on a plain-HTTP listener of their own, without a token, for a scraper on a private network (the
 * operator chooses the address; docs/operations.md says why it must not be a public one). It answers
 * `GET /metrics` and nothing else: no vault data is reachable through it.
 */
export async function startMetricsListener(metrics: KeyholdMetrics, host: string, port: number): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    metrics.exposition().then(
      ({ contentType, text }) => response.writeHead(200, { "content-type": contentType }).end(request.method === "HEAD" ? "" : text),
      (error: unknown) =>
        error instanceof MetricsUnavailable
          ? response.writeHead(503, { "content-type": "text/plain" }).end("metrics could not be gathered from every worker in time\n")
          : response.writeHead(500, { "content-type": "text/plain" }).end("metrics could not be collected\n"),
    );
  });
  // A scrape is one short request: a connection that sends nothing is not kept.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
