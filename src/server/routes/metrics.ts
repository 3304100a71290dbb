import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { action } from "./admin-auth.js";

/**
 * `GET /metrics` on the main listener, in Prometheus's text format, for callers whose role grants the management
 * action `Keyhold/metrics/read` (the Keyhold Administrator's does). Registered in the admin scope, which
 * authenticates and authorises it; a scraper without a token uses the separate listener (metrics-listener.ts).
 */
export function registerMetricsRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get("/metrics", action("metrics/read"), async (_request, reply) => {
    const { contentType, text } = await ctx.metrics.exposition();
    return reply.type(contentType).send(text);
  });
}
