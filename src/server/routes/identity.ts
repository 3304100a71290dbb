import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AuthThrottled } from "../../identity/auth-throttle.js";
import { ClientAssertionRefused } from "../../identity/client-assertion.js";
import type { Authenticated } from "../../identity/principal-service.js";
import type { AppContext } from "../app-context.js";
import { basicCredentials, oauthParameters, parseFormBody } from "../wire/oauth-params.js";
import { servedAudience } from "../wire/oauth-scope.js";
import { isKnownTenant, isUserOnlyTenant } from "../wire/tenants.js";
import { registerDeviceLoginRoutes } from "./device-login.js";
import { namedAs } from "./named-as.js";
import { oauthError, throttled } from "./oauth-reply.js";
import { USER_GRANTS, USER_GRANT_PARAMETERS, answerUserGrant, revokeRefreshToken } from "./user-token-grants.js";
import { registerUserSignInRoutes } from "./user-sign-in.js";

/**
 * Keyhold as its own token issuer (docs/clients.md §3, §4): OIDC discovery for `adfs` and for the
 * server's tenant, the client-credentials token endpoint, the JWKS, and the App Service style managed
 * identity endpoint. Errors use OAuth 2.0's shape (RFC 6749 §5.2), not Key Vault's.
 */
const TOKEN_PARAMETERS = [
  "grant_type",
  "scope",
  "resource",
  "client_id",
  "client_secret",
  "client_assertion",
  "client_assertion_type",
  ...USER_GRANT_PARAMETERS,
];
const MSI_PARAMETERS = ["resource", "client_id", "object_id", "principal_id"];

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** How token requests are named in request outcomes (the log, metrics, the audit trail). */
export const TOKEN_OPERATION = "identity/token";
export const MSI_TOKEN_OPERATION = "identity/msiToken";
export const REVOKE_OPERATION = "identity/revoke";

export function registerIdentityRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Only the token endpoint takes form bodies (RFC 6749 §4.4.2); the vault API takes JSON alone.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
    done(null, parseFormBody(String(body)));
  });
  const knownTenant = (tenant: string): boolean => isKnownTenant(tenant, ctx.tenantId);
  // Every URL this issuer names, and the audience client assertions must carry, comes from configuration. The
  // Host header (or X-Forwarded-*) is the caller's to choose: deriving them from it would let an assertion made
  // for another token endpoint be replayed here by a caller who sets Host to that endpoint's host.
  const canonicalTenant = (tenant: string): string => (tenant === "adfs" || isUserOnlyTenant(tenant) ? tenant.toLowerCase() : ctx.tenantId);
  const tokenPaths = ["oauth2/token", "oauth2/v2.0/token"];
  // MSAL puts the token_endpoint of discovery in `aud`; either endpoint of either tenant name is this server.
  const assertionAudiences = ["adfs", ctx.tenantId].flatMap((tenant) => tokenPaths.map((path) => `${ctx.authorityUrl}/${tenant}/${path}`));

  const discovery = (tenant: string, tokenPath: string) => ({
    issuer: ctx.issuerUrl,
    authorization_endpoint: `${ctx.authorityUrl}/${canonicalTenant(tenant)}/${tokenPath.replace(/token$/, "authorize")}`,
    token_endpoint: `${ctx.authorityUrl}/${canonicalTenant(tenant)}/${tokenPath}`,
    revocation_endpoint: `${ctx.authorityUrl}/${canonicalTenant(tenant)}/${tokenPath.replace(/token$/, "revoke")}`,
    device_authorization_endpoint: `${ctx.authorityUrl}/${canonicalTenant(tenant)}/${tokenPath.replace(/token$/, "devicecode")}`,
    end_session_endpoint: `${ctx.authorityUrl}/${canonicalTenant(tenant)}/${tokenPath.replace(/token$/, "logout")}`,
    jwks_uri: `${ctx.authorityUrl}/${canonicalTenant(tenant)}/discovery/keys`,
    response_types_supported: ["code", "token"],
    response_modes_supported: ["query", "form_post"],
    grant_types_supported: ["client_credentials", "authorization_code", "refresh_token", "device_code"],
    code_challenge_methods_supported: ["S256"],
    scopes_supported: ["openid", "profile", "offline_access"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "private_key_jwt"],
    id_token_signing_alg_values_supported: ["ES256"],
    subject_types_supported: ["pairwise"],
    tenant_region_scope: null,
  });

  const unknownTenant = (reply: FastifyReply, tenant: string) =>
    oauthError(reply, 400, "invalid_tenant", `AADSTS90002: Tenant '${tenant}' not found.`);

  app.get<{ Params: { tenant: string } }>("/:tenant/.well-known/openid-configuration", async (request, reply) => {
    const { tenant } = request.params;
    if (!knownTenant(tenant)) return unknownTenant(reply, tenant);
    return discovery(tenant, "oauth2/token");
  });
  app.get<{ Params: { tenant: string } }>("/:tenant/v2.0/.well-known/openid-configuration", async (request, reply) => {
    const { tenant } = request.params;
    if (!knownTenant(tenant)) return unknownTenant(reply, tenant);
    return discovery(tenant, "oauth2/v2.0/token");
  });
  for (const url of ["/:tenant/discovery/keys", "/:tenant/discovery/v2.0/keys"]) {
    app.get<{ Params: { tenant: string } }>(url, async (request, reply) => {
      if (!knownTenant(request.params.tenant)) return unknownTenant(reply, request.params.tenant);
      return ctx.issuer.jwks();
    });
  }

  const tokenEndpoint = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    const { tenant } = request.params;
    if (!knownTenant(tenant)) return unknownTenant(reply, tenant);
    const parsed = oauthParameters(request.body, TOKEN_PARAMETERS);
    if (!parsed.ok) return oauthError(reply, 400, "invalid_request", parsed.description);
    const form = parsed.value;
    if (form.grant_type !== undefined && USER_GRANTS.has(form.grant_type)) return answerUserGrant(ctx, request, reply, form);
    if (form.grant_type !== "client_credentials") {
      return oauthError(
        reply,
        400,
        "unsupported_grant_type",
        "AADSTS70003: The grant must be client_credentials, authorization_code, refresh_token or device_code.",
      );
    }
    if (isUserOnlyTenant(tenant)) {
      return oauthError(reply, 400, "invalid_request", `AADSTS90133: The tenant '${tenant}' is for user sign-in only; name the tenant id.`);
    }
    const audience = servedAudience(form.scope, form.resource, ctx.hosts.resources);
    if (!audience) {
      return oauthError(
        reply,
        400,
        "invalid_scope",
        "AADSTS70011: The scope must name a resource this server serves, as '<resource>/.default'.",
      );
    }
    let found: Authenticated | null;
    if (form.client_assertion_type !== undefined || form.client_assertion !== undefined) {
      // RFC 7523 §2.2: the client proves a registered certificate by a JWT made for this token endpoint.
      if (form.client_assertion_type !== JWT_BEARER || !form.client_assertion || !form.client_id) {
        return oauthError(
          reply,
          400,
          "invalid_request",
          `AADSTS900144: client_id, client_assertion and client_assertion_type=${JWT_BEARER} are required.`,
        );
      }
      try {
        found = await ctx.principals.authenticateAssertion(form.client_id, form.client_assertion, {
          audiences: assertionAudiences,
          leewaySeconds: 60,
        });
      } catch (error) {
        if (error instanceof ClientAssertionRefused) return oauthError(reply, 401, "invalid_client", error.message);
        throw error;
      }
      if (!found) return oauthError(reply, 401, "invalid_client", "AADSTS700027: Client assertion failed signature validation.");
    } else {
      const basic = basicCredentials(request.headers.authorization);
      if (!basic.ok) return oauthError(reply, 400, "invalid_request", basic.description);
      const client = basic.value ?? (form.client_id && form.client_secret ? { id: form.client_id, secret: form.client_secret } : null);
      if (!client) return oauthError(reply, 400, "invalid_request", "AADSTS900144: client_id and client_secret are required.");
      try {
        found = await ctx.principals.authenticateClient(client.id, client.secret, request.ip);
      } catch (error) {
        if (error instanceof AuthThrottled) return throttled(request, reply, error);
        throw error;
      }
      if (!found) return oauthError(reply, 401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
    }
    request.facts.caller = { principalId: found.principal.id, credentialId: found.credentialId, kind: found.principal.kind };
    const token = await ctx.issuer.issue(found.principal, found.credentialId, audience);
    return reply.header("cache-control", "no-store").send({
      token_type: "Bearer",
      expires_in: token.expiresIn,
      ext_expires_in: token.expiresIn,
      access_token: token.accessToken,
    });
  };
  app.post<{ Params: { tenant: string } }>("/:tenant/oauth2/token", namedAs(TOKEN_OPERATION), tokenEndpoint);
  app.post<{ Params: { tenant: string } }>("/:tenant/oauth2/v2.0/token", namedAs(TOKEN_OPERATION), tokenEndpoint);
  for (const path of ["oauth2/revoke", "oauth2/v2.0/revoke"]) {
    app.post<{ Params: { tenant: string } }>(`/:tenant/${path}`, namedAs(REVOKE_OPERATION), async (request, reply) => {
      const { tenant } = request.params;
      if (!knownTenant(tenant)) return unknownTenant(reply, tenant);
      const parsed = oauthParameters(request.body, ["token", "token_type_hint", "client_id"]);
      if (!parsed.ok) return oauthError(reply, 400, "invalid_request", parsed.description);
      return revokeRefreshToken(ctx, reply, parsed.value);
    });
  }
  registerUserSignInRoutes(app, ctx);
  registerDeviceLoginRoutes(app, ctx);

  // App Service managed identity (api-version 2019-08-01): header X-IDENTITY-HEADER, answer with expires_on.
  app.get("/msi/token", namedAs(MSI_TOKEN_OPERATION), async (request, reply) => {
    const header = request.headers["x-identity-header"];
    if (typeof header !== "string" || header === "") {
      return oauthError(reply, 400, "invalid_request", "The X-IDENTITY-HEADER header is required.");
    }
    const parsed = oauthParameters(request.query, MSI_PARAMETERS);
    if (!parsed.ok) return oauthError(reply, 400, "invalid_request", parsed.description);
    const query = parsed.value;
    const resource = query.resource?.replace(/\/\.default$/, "");
    if (!resource || !ctx.hosts.resources.includes(resource)) {
      return oauthError(reply, 400, "invalid_resource", "The resource must be one this server serves.");
    }
    let found: Authenticated | null;
    try {
      found = await ctx.principals.authenticateIdentityHeader(header, request.ip);
    } catch (error) {
      if (error instanceof AuthThrottled) return throttled(request, reply, error);
      throw error;
    }
    const requested = query.client_id ?? query.object_id ?? query.principal_id;
    if (!found || (requested !== undefined && requested.toLowerCase() !== found.principal.id)) {
      return oauthError(reply, 401, "unauthorized_client", "The identity header is not valid for the requested identity.");
    }
    const principal = found.principal;
    request.facts.caller = { principalId: principal.id, credentialId: found.credentialId, kind: principal.kind };
    const token = await ctx.issuer.issue(principal, found.credentialId, resource);
    return reply.header("cache-control", "no-store").send({
      access_token: token.accessToken,
      expires_on: String(token.expiresOn),
      resource,
      token_type: "Bearer",
      client_id: principal.id,
    });
  });
}
