import type { FastifyReply, FastifyRequest } from "fastify";
import type { Operation } from "../authz/operations.js";
import { KeyVaultError, internalError } from "../errors/key-vault-error.js";
import type { AppContext } from "./app-context.js";
import type { FaultStatus } from "./dev-faults.js";
import { sendKeyVaultError } from "./errors-reply.js";
import type { ThrottleScope } from "./throttle/request-throttle.js";
import { throttleCategoryOf } from "./throttle/throttle-category.js";

/** Azure's reason for a vault's limit; the other two scopes are Keyhold's, named alike. */
const REASONS: Record<ThrottleScope, string> = {
  vault: "VaultRequestTypeLimitReached",
  caller: "CallerRequestTypeLimitReached",
  server: "ServerRequestTypeLimitReached",
};

/** Azure's 429 when a vault's limit is reached, word for word; made once, so that a flood of them costs no stacks. */
const THROTTLED = Object.fromEntries(
  Object.entries(REASONS).map(([scope, reason]) => [
    scope,
    new KeyVaultError(429, "Throttled", `Request was not processed because too many requests were received. Reason: ${reason}`),
  ]),
) as Record<ThrottleScope, KeyVaultError>;

const FAULT_ERRORS: Record<FaultStatus, KeyVaultError> = {
  429: THROTTLED.vault,
  500: internalError(),
  503: new KeyVaultError(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry the request."),
};

/**
 * Answers a data-plane request that has passed authorisation, before its body is handled, when it must not be
 * handled: a dev fault injected for it (dev-faults.ts), or Azure's 429 when it would go past a throttle limit
 * (throttle/request-throttle.ts). Returns whether it answered; a request answered here changes nothing.
 *
 * The answer is sent here rather than thrown: an injected 500 is not a failure to log with a stack, and a flood of
 * 429s should cost no stack traces.
 */
export function answeredBeforeHandling(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  vault: string,
  callerId: string,
  operation: Operation,
): boolean {
  const fault = ctx.devFaults?.take(request.method, request.url) ?? null;
  if (fault !== null) {
    reply.header("x-keyhold-fault", "injected");
    if (fault !== 500) reply.header("retry-after", "1");
    answer(request, reply, FAULT_ERRORS[fault]);
    return true;
  }
  const refused = ctx.throttle?.admit(vault, callerId, throttleCategoryOf(operation)) ?? null;
  if (refused === null) return false;
  reply.header("retry-after", String(refused.retryAfterSeconds));
  answer(request, reply, THROTTLED[refused.scope]);
  return true;
}

function answer(request: FastifyRequest, reply: FastifyReply, error: KeyVaultError): void {
  // The request's facts exist where the request outcomes are installed (the log, metrics and audit read them).
  if (request.facts) request.facts.errorCode = error.code;
  sendKeyVaultError(reply, error);
}
