import type { FastifyReply, FastifyRequest } from "fastify";

/** Names a route's operation as the request arrives, so the audit trail and the logs know it before the handler. */
export const namedAs = (operation: string) => ({
  onRequest: (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    request.facts.operation = operation;
    done();
  },
});
