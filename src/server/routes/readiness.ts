import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { failedChecks } from "../readiness.js";

/**
 * `/readyz`: whether this node can serve now (its store answers, its audit trail is writable), for a load balancer
 * or an orchestrator. Unauthenticated: it names the failed checks and nothing else. `/healthz` stays liveness.
 */
export function registerReadinessRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get("/readyz", async (_request, reply) => {
    const failed = await failedChecks(ctx.readinessChecks);
    if (failed.length === 0) return { status: "ready" };
    reply.header("retry-after", "1");
    return reply.code(503).send({ status: "unavailable", failed });
  });
}
