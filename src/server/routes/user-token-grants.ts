import type { FastifyReply, FastifyRequest } from "fastify";
import type { SignedInUser } from "../../identity/sign-in/signed-in-user.js";
import type { UserTokens } from "../../identity/sign-in/user-sign-in.js";
import type { AppContext } from "../app-context.js";
import type { OAuthParams } from "../wire/oauth-params.js";
import { servedAudience } from "../wire/oauth-scope.js";
import { oauthError } from "./oauth-reply.js";

/** MSAL sends Entra's short name; RFC 8628 §3.4 names the grant by this URN. */
export const DEVICE_CODE_GRANTS: ReadonlySet<string> = new Set(["device_code", "urn:ietf:params:oauth:grant-type:device_code"]);
export const USER_GRANTS: ReadonlySet<string> = new Set(["authorization_code", "refresh_token", ...DEVICE_CODE_GRANTS]);

export const USER_GRANT_PARAMETERS = ["code", "code_verifier", "redirect_uri", "refresh_token", "device_code"];

const INVALID_GRANT = "AADSTS70000: The provided authorization code or refresh token is invalid, expired, already used or revoked.";

/**
 * The token endpoint's user grants (docs/user-sign-in.md §2–4): an authorization code with its PKCE verifier, a
 * device code once its user approved, or a refresh token, which is rotated. Only public clients take these, and the
 * answer is what MSAL caches an account by: access, id and refresh tokens and `client_info`.
 */
export async function answerUserGrant(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  form: OAuthParams,
): Promise<FastifyReply> {
  const clientId = form.client_id;
  if (!clientId) return oauthError(reply, 400, "invalid_request", "AADSTS900144: The request body must contain the parameter 'client_id'.");
  if (!(await ctx.principals.isPublicClient(clientId))) {
    return oauthError(
      reply,
      400,
      "unauthorized_client",
      `AADSTS700016: Application with identifier '${clientId}' was not found, or is no public client.`,
    );
  }
  const signIn = ctx.signIn;
  let user: SignedInUser | null = null;
  let rotated: string | undefined;
  const grant = form.grant_type!;
  if (grant === "authorization_code") {
    if (!form.code || !form.code_verifier) {
      return oauthError(reply, 400, "invalid_request", "AADSTS900144: code and code_verifier are required.");
    }
    user = await signIn.codes.redeem(form.code, clientId, form.redirect_uri, form.code_verifier);
  } else if (grant === "refresh_token") {
    if (!form.refresh_token) return oauthError(reply, 400, "invalid_request", "AADSTS900144: refresh_token is required.");
    const redeemed = await signIn.grants.redeem(form.refresh_token, clientId);
    if (redeemed) {
      // A refresh token may be spent for any resource this server serves, as Entra's multi-resource refresh tokens.
      const audience = form.scope === undefined ? redeemed.user.audience : servedAudience(form.scope, undefined, ctx.hosts.resources);
      if (!audience) return oauthError(reply, 400, "invalid_scope", "AADSTS70011: The scope must name a resource this server serves.");
      user = { ...redeemed.user, audience };
      rotated = redeemed.refreshToken;
    }
  } else {
    if (!form.device_code) return oauthError(reply, 400, "invalid_request", "AADSTS900144: device_code is required.");
    const poll = await signIn.devices.poll(form.device_code, clientId);
    // Only authorization_pending keeps MSAL polling; it must come without Retry-After (docs/user-sign-in.md §3).
    if (poll.status === "pending") {
      return oauthError(
        reply,
        400,
        "authorization_pending",
        "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
      );
    }
    if (poll.status === "expired") return oauthError(reply, 400, "expired_token", "AADSTS70020: The device code has expired.");
    if (poll.status === "declined") return oauthError(reply, 400, "authorization_declined", "AADSTS70019: The user declined the sign-in.");
    if (poll.status === "invalid") return oauthError(reply, 400, "bad_verification_code", "AADSTS70019: The device code is not valid.");
    user = poll.user;
  }
  const tokens = user ? await signIn.tokensFor(user, rotated) : null;
  if (!user || !tokens) return oauthError(reply, 400, "invalid_grant", INVALID_GRANT);
  request.facts.caller = { principalId: user.principalId, credentialId: user.credentialId, kind: "user" };
  return reply.header("cache-control", "no-store").send(tokenAnswer(user, tokens));
}

function tokenAnswer(user: SignedInUser, tokens: UserTokens): object {
  return {
    token_type: "Bearer",
    // MSAL caches the token under these scopes, and finds it again by the `.default` scope it asks for.
    scope: `${user.audience}/user_impersonation ${user.audience}/.default`,
    expires_in: tokens.expiresIn,
    ext_expires_in: tokens.expiresIn,
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    id_token: tokens.idToken,
    client_info: tokens.clientInfo,
  };
}

/**
 * Token revocation (RFC 7009) for refresh tokens: how a program without a browser session, such as `keyhold logout`
 * after a device code sign-in, signs out. The answer is 200 whether or not the token was known (RFC 7009 §2.2).
 */
export async function revokeRefreshToken(ctx: AppContext, reply: FastifyReply, form: OAuthParams): Promise<FastifyReply> {
  if (!(await ctx.principals.isPublicClient(form.client_id))) {
    return oauthError(
      reply,
      400,
      "unauthorized_client",
      `AADSTS700016: Application with identifier '${form.client_id ?? ""}' was not found.`,
    );
  }
  if (!form.token) return oauthError(reply, 400, "invalid_request", "AADSTS900144: The request body must contain the parameter 'token'.");
  if (form.token_type_hint !== undefined && form.token_type_hint !== "refresh_token") {
    return oauthError(reply, 400, "unsupported_token_type", "Only refresh tokens can be revoked; access tokens expire on their own.");
  }
  await ctx.signIn.grants.revoke(form.token, form.client_id!);
  return reply.header("cache-control", "no-store").send({});
}
