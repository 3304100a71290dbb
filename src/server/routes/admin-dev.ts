import type { FastifyInstance } from "fastify";
import { badParameter } from "../../errors/key-vault-error.js";
import type { AppContext } from "../app-context.js";
import { asObject } from "../wire/parse.js";
import { action } from "./admin-auth.js";

const TEN_YEARS = 10 * 365 * 86_400;

/**
 * Dev mode only (the routes do not exist otherwise): move this server's clock forward, for tests of retention and
 * rotation; inject faults into data-plane requests, for tests of how applications recover (docs/throttling.md).
 */
export function registerAdminDevRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerFaultRoutes(app, ctx);
  const clock = ctx.devClock;
  if (!clock) return;
  app.post("/keyhold/dev/clock", action("dev/clock"), async (request) => {
    const seconds = asObject(request.body ?? {}, "The request body").advanceSeconds;
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0 || seconds > TEN_YEARS) {
      throw badParameter("The parameter 'advanceSeconds' must be a whole number of seconds from 0 to ten years.");
    }
    return { offsetSeconds: clock.advance(seconds), now: ctx.now() };
  });
}

function registerFaultRoutes(app: FastifyInstance, ctx: AppContext): void {
  const faults = ctx.devFaults;
  if (!faults) return;
  app.post("/keyhold/dev/faults", action("dev/faults"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    return reply.code(201).send(faults.add(body.status, body.count, body.match));
  });
  app.get("/keyhold/dev/faults", action("dev/faults"), async () => ({ value: faults.list() }));
  app.delete("/keyhold/dev/faults", action("dev/faults"), async () => ({ cleared: faults.clear() }));
}
