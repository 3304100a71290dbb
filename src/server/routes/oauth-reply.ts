import type { FastifyReply, FastifyRequest } from "fastify";
import { type AuthThrottled, correlationIdOf, throttledBody } from "../../identity/auth-throttle.js";

/** An error in OAuth 2.0's shape (RFC 6749 §5.2), as the token issuer's endpoints answer, never Key Vault's. */
export function oauthError(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  reply.request.facts.errorCode = error;
  return reply.code(status).header("cache-control", "no-store").send({ error, error_description: description });
}

/** Too many failed attempts, too many at once, or the hash pool full (identity/auth-throttle.ts): Entra's 429. */
export function throttled(request: FastifyRequest, reply: FastifyReply, error: AuthThrottled): FastifyReply {
  request.facts.errorCode = "temporarily_unavailable";
  const ids = { traceId: request.id, correlationId: correlationIdOf(request.headers["client-request-id"], request.id) };
  return reply
    .code(429)
    .header("retry-after", String(error.retryAfterSeconds))
    .header("cache-control", "no-store")
    .send(throttledBody(error, ids));
}
