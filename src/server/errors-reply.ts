import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { StoreUnavailableError } from "../storage/store-unavailable.js";
import { KeyVaultError, badParameter, internalError, requestTooLarge, serviceUnavailable } from "../errors/key-vault-error.js";

/** Writes Azure's error body: {"error":{"code","message"[,"innererror":{"code"}]}}. */
export function sendKeyVaultError(reply: FastifyReply, error: KeyVaultError): FastifyReply {
  // Errors raised before the request's facts exist (a malformed URL, at routing) have none to fill in.
  if (reply.request.facts) reply.request.facts.errorCode = error.code;
  return reply.code(error.status).send({
    error: {
      code: error.code,
      message: error.message,
      ...(error.innerCode && { innererror: { code: error.innerCode } }),
    },
  });
}

/** Maps anything thrown to Azure's error JSON; a 5xx never says what went wrong inside. */
export function toKeyVaultError(error: unknown, bodyLimit: number): KeyVaultError {
  if (error instanceof KeyVaultError) return error;
  if (error instanceof StoreUnavailableError) return serviceUnavailable();
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return requestTooLarge(bodyLimit);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new KeyVaultError(415, "UnsupportedMediaType", "The request content type must be application/json.");
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new KeyVaultError(414, "RequestUriTooLong", "The request URI is too long.");
    case "FST_ERR_BAD_URL":
      return badParameter("The request URI is not valid.");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return badParameter("The request body is not valid JSON.");
  }
  if (typeof fastifyError.statusCode === "number" && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return badParameter("The request is malformed.");
  }
  return internalError();
}

/**
 * Answers anything thrown with Azure's error JSON. The request log has the answer's line (request-log.ts); only an
 * unexpected failure (500) adds one here, at error level with its stack and the same `reqId`. A client error
 * (4xx) is the caller's: anyone can send bad input, and error-level lines with stacks are what operators are
 * paged for. One refused before the request had facts (a malformed URL, at routing) reaches no request log, so it
 * gets its info line here, without a stack. A 503 (store unreachable) is told to the client to retry.
 */
export function errorHandler(bodyLimit: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const mapped = toKeyVaultError(error, bodyLimit);
    if (mapped.status === 503) reply.header("retry-after", "1");
    else if (mapped.status >= 500) request.log.error({ err: error }, "request failed");
    else if (!request.facts)
      request.log.info({ method: request.method, statusCode: mapped.status, errorCode: mapped.code }, mapped.message);
    return sendKeyVaultError(reply, mapped);
  };
}
