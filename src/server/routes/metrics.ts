import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { MetricsUnavailable } from "../metrics/cluster-metrics-protocol.js";
import { action } from "./admin-auth.js";

/**
 * `GET /metrics` on the main listener, in Prometheus's text format, for callers whose role grants the management
 * action `Keyhold/metrics/read` (the Keyhold Administrator's does). Registered in the admin scope, which
 * authenticates and authorises it; a scraper without a token uses the separate listener (metrics-listener.ts). With
 * workers, the worker that takes the scrape answers with the whole cluster's sum, which it asks the primary for.
 */
export function registerMetricsRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get("/metrics", action("metrics/read"), async (_request, reply) => {
    let exposition: { contentType: string; text: string };
    try {
      exposition = await ctx.metrics.exposition();
    } catch (error) {
      // With workers, a process that did not answer in time: this scrape fails, the next one is whole again.
      if (!(error instanceof MetricsUnavailable)) throw error;
      return reply.code(503).type("text/plain").send("metrics could not be gathered from every worker in time\n");
    }
    return reply.type(exposition.contentType).send(exposition.text);
  });
}
