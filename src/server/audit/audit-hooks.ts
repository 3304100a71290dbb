import type { FastifyInstance, FastifyRequest } from "fastify";
import { decodeJwt } from "jose/jwt/decode";
import { OPERATIONS, type OperationRule } from "../../authz/operations.js";
import { KeyVaultError } from "../../errors/key-vault-error.js";
import { MSI_TOKEN_OPERATION, TOKEN_OPERATION } from "../routes/identity.js";
import { SIGN_IN_OPERATION } from "../routes/user-sign-in.js";
import { basicCredentials } from "../wire/oauth-params.js";
import type { AuditCaller, AuditRecord } from "./audit-entry.js";
import { auditOperationName } from "./audit-operation-names.js";
import type { AuditTrail, AuditWait } from "./audit-trail.js";

/** Issuing a token reads credentials and changes nothing stored. */
const TOKEN_OPERATIONS: ReadonlySet<string> = new Set([TOKEN_OPERATION, MSI_TOKEN_OPERATION]);

/**
 * What a request's entry must be before its handler runs: flushed to disk for anything that may change what is
 * stored; for what changes nothing (reads, key use, tokens), written, so that the answer never leaves without
 * its entry while the disk flush follows within moments (docs/audit.md). A data-plane operation says which it is
 * (`changesState`); an admin request changes nothing only when it is a GET.
 */
export function requestEntryWait(method: string, operation: string): AuditWait {
  const rule = (OPERATIONS as Readonly<Record<string, OperationRule | undefined>>)[operation];
  const changes = rule ? rule.changesState : method !== "GET" && method !== "HEAD" && !TOKEN_OPERATIONS.has(operation);
  return changes ? "durable" : "written";
}

/**
 * Records every audited request, fail-closed: before its handler runs, a `request` entry is written (and, for a
 * request that may change anything, flushed), and a request whose entry cannot be is answered 503 without
 * running; once the answer is sent, an `outcome` entry adds status, error code and duration (requests refused
 * before their handler have this entry only).
 */
export function installAuditTrail(app: FastifyInstance, trail: AuditTrail): void {
  app.addHook("preHandler", async (request) => {
    const operation = request.facts.operation;
    if (!operation) return;
    try {
      await trail.append(recordOf(trail, request, operation, "request"), requestEntryWait(request.method, operation));
    } catch (error) {
      request.log.error({ err: error }, "the audit trail could not be written: request refused");
      throw new KeyVaultError(503, "ServiceUnavailable", "The audit trail cannot be written, so the request was not carried out.");
    }
  });
  app.addHook("onResponse", (request, reply, done) => {
    const operation = request.facts.operation;
    if (operation) {
      const record = recordOf(trail, request, operation, "outcome");
      record.result = { status: reply.statusCode, errorCode: request.facts.errorCode, durationMs: Math.round(reply.elapsedTime) };
      trail.append(record, "later").catch((error: unknown) => request.log.error({ err: error }, "an audit outcome could not be written"));
    }
    done();
  });
  // The last entries get their checkpoint when the server stops.
  app.addHook("onClose", () => trail.close());
}

function recordOf(trail: AuditTrail, request: FastifyRequest, operation: string, type: AuditRecord["type"]): AuditRecord {
  const facts = request.facts;
  return {
    type,
    requestId: request.id,
    operationName: auditOperationName(operation),
    operation,
    vault: facts.vault,
    object: facts.objectName === null ? null : { name: facts.objectName, version: facts.objectVersion },
    caller: callerOf(trail, request, operation),
  };
}

function callerOf(trail: AuditTrail, request: FastifyRequest, operation: string): AuditCaller {
  const caller: AuditCaller = {
    principalId: request.facts.caller?.principalId ?? null,
    credentialId: request.facts.caller?.credentialId ?? null,
    kind: request.facts.caller?.kind ?? null,
    sourceAddress: request.socket.remoteAddress ?? "",
  };
  if (request.facts.caller) return caller;
  const claimed = claimedIdOf(request, operation);
  if (claimed) caller.claimedIdHmac = trail.claimedIdHmac(claimed);
  return caller;
}

/**
 * What a refused caller said it was, for an investigator to match across entries (only ever logged as an HMAC): the
 * client id sent to a token endpoint, the user name of a sign-in, or the credential (`kh_cid`) named by a bearer
 * token that was refused.
 */
function claimedIdOf(request: FastifyRequest, operation: string): string | null {
  if (operation === TOKEN_OPERATION) {
    const basic = basicCredentials(request.headers.authorization);
    const body = request.body as Record<string, unknown> | undefined;
    const id = (basic.ok && basic.value?.id) || body?.client_id;
    return typeof id === "string" && id !== "" ? id : null;
  }
  if (operation === SIGN_IN_OPERATION) {
    const name = (request.body as Record<string, unknown> | undefined)?.username;
    return typeof name === "string" && name !== "" ? name.toLowerCase() : null;
  }
  if (operation === MSI_TOKEN_OPERATION) {
    const id = (request.query as Record<string, unknown>).client_id;
    return typeof id === "string" && id !== "" ? id : null;
  }
  const header = request.headers.authorization;
  if (typeof header !== "string" || !/^Bearer\s+\S/i.test(header)) return null;
  try {
    const claim = decodeJwt(header.replace(/^Bearer\s+/i, "").trim()).kh_cid;
    return typeof claim === "string" ? claim : null;
  } catch {
    return null;
  }
}
