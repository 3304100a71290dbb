import type { FastifyInstance, FastifyRequest } from "fastify";

/**
 * What the pipeline learns about a request as it handles it, for those who report on requests (the request log,
 * metrics, the audit trail): the stages fill it in as they pass (data plane, admin API, token endpoint, error
 * handler), and whatever a refused request did not reach stays null.
 */
export interface RequestFacts {
  /** The data-plane operation (`secrets/get`), the admin action (`Keyhold/vaults/write`) or the identity operation. */
  operation: string | null;
  vault: string | null;
  objectName: string | null;
  objectVersion: string | null;
  /** Who called, once proven: principal, the credential it proved, and its kind (`servicePrincipal`, …). */
  caller: { principalId: string; credentialId: string | null; kind: string | null } | null;
  /** Azure's error code (or OAuth's `error`) of a refused or failed request. */
  errorCode: string | null;
}

/** One finished request, as every observer sees it. Never a body, a value, a token or a password. */
export interface RequestOutcome extends RequestFacts {
  requestId: string;
  method: string;
  /** The route's pattern (`/secrets/:name`), or null when no route matched. */
  route: string | null;
  status: number;
  /** Epoch milliseconds when the request arrived, and how long it took until the answer was sent. */
  startedAt: number;
  durationMs: number;
  sourceAddress: string;
}

export type OutcomeObserver = (outcome: RequestOutcome) => void;

declare module "fastify" {
  interface FastifyRequest {
    facts: RequestFacts;
    startedAt: number;
  }
}

/** The facts of a request, for a stage to fill in. */
export const factsOf = (request: FastifyRequest): RequestFacts => request.facts;

/**
 * Gives every request its facts when it arrives and hands its outcome to each observer once the answer is sent.
 * Observers run after the response, so they cannot slow or change it; one that throws is isolated from the others.
 */
export function installRequestOutcomes(app: FastifyInstance, observers: readonly OutcomeObserver[]): void {
  app.decorateRequest("facts", null as unknown as RequestFacts);
  app.decorateRequest("startedAt", 0);
  app.addHook("onRequest", (request, _reply, done) => {
    request.startedAt = Date.now();
    request.facts = { operation: null, vault: null, objectName: null, objectVersion: null, caller: null, errorCode: null };
    done();
  });
  if (observers.length === 0) return;
  app.addHook("onResponse", (request, reply, done) => {
    const facts = request.facts;
    const outcome: RequestOutcome = {
      operation: facts.operation,
      vault: facts.vault,
      objectName: facts.objectName,
      objectVersion: facts.objectVersion,
      caller: facts.caller,
      errorCode: facts.errorCode,
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      startedAt: request.startedAt,
      durationMs: reply.elapsedTime,
      sourceAddress: request.socket.remoteAddress ?? "",
    };
    for (const observe of observers) {
      try {
        observe(outcome);
      } catch (error) {
        request.log.error({ err: error }, "a request observer failed");
      }
    }
    done();
  });
}
