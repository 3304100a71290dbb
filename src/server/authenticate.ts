import type { FastifyReply, FastifyRequest } from "fastify";
import { InvalidTokenError, type VerifiedCaller } from "../identity/token-verifier.js";
import { unauthorized } from "../errors/key-vault-error.js";
import type { AppContext } from "./app-context.js";

/**
 * Challenge-based bearer authentication (docs/clients.md §2). The SDK's first request carries neither token nor
 * body, so this runs in onRequest, before any body is read, and answers 401 with a challenge whose values
 * hold no spaces (the SDK splits the header on spaces).
 */
export async function authenticate(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  resource: string,
): Promise<VerifiedCaller> {
  const header = request.headers.authorization;
  const challenge = `Bearer authorization="${ctx.authorityUrl}/${ctx.tenantId}", resource="${resource}"`;
  if (typeof header !== "string" || !/^Bearer\s+\S/i.test(header)) {
    reply.header("www-authenticate", challenge);
    throw unauthorized("AKV10000: Request is missing a Bearer or PoP token.");
  }
  let caller: VerifiedCaller;
  try {
    caller = await ctx.verifier.verify(header.replace(/^Bearer\s+/i, "").trim());
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error;
    reply.header("www-authenticate", challenge);
    throw unauthorized(error.reason);
  }
  // Revocation: a token outlives neither its principal nor the credential it was issued for.
  if (!(await ctx.principals.isCurrent(caller.principalId, caller.credentialId))) {
    reply.header("www-authenticate", challenge);
    throw unauthorized("AKV10000: The token's principal or credential has been deleted.");
  }
  return caller;
}
