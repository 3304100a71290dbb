import type { Logger } from "pino";
import type { OutcomeObserver, RequestOutcome } from "./request-outcome.js";

/**
 * The request log: one line per finished request, from its outcome alone, so no body, header, token, query
 * string or value can reach it. The route is the pattern (`/secrets/:name`); the object's name and version are
 * their own fields, as Azure's AuditEvent logs carry the object id: names identify, they are not secrets.
 * A client's error (4xx) is the caller's business, logged at info like any answer; a server error (5xx) at
 * error, where the error handler's line with the stack shares its `reqId`.
 */
export function requestLog(logger: Logger): OutcomeObserver {
  return (outcome: RequestOutcome) => {
    const level = outcome.status >= 500 ? "error" : "info";
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        method: outcome.method,
        route: outcome.route ?? undefined,
        statusCode: outcome.status,
        durationMs: Math.round(outcome.durationMs * 10) / 10,
        vault: outcome.vault ?? undefined,
        operation: outcome.operation ?? undefined,
        objectName: outcome.objectName ?? undefined,
        objectVersion: outcome.objectVersion ?? undefined,
        errorCode: outcome.errorCode ?? undefined,
        callerId: outcome.caller?.principalId,
        credentialId: outcome.caller?.credentialId ?? undefined,
        sourceAddress: outcome.sourceAddress || undefined,
        reqId: outcome.requestId,
      },
      "request completed",
    );
  };
}
