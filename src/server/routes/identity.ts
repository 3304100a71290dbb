import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Authenticated } from "../../identity/principal-service.js";
import type { AppContext } from "../app-context.js";

/**
 * Keyhold as its own token issuer (WIRING.md §3, §4; SDK-WIRE-NOTES §7): OIDC discovery for `adfs` and for the
 * server's tenant, the client-credentials token endpoint, the JWKS, and the App Service style managed
 * identity endpoint. Errors use OAuth 2.0's shape (RFC 6749 §5.2), not Key Vault's.
 */
type Form = Record<string, string | undefined>;

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

function oauthError(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply.code(status).header("cache-control", "no-store").send({ error, error_description: description });
}

export function registerIdentityRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Only the token endpoint takes form bodies (RFC 6749 §4.4.2); the vault API takes JSON alone.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  const knownTenant = (tenant: string): boolean => tenant === "adfs" || tenant.toLowerCase() === ctx.tenantId;
  const origin = (request: FastifyRequest): string => `https://${request.host}`;

  const discovery = (request: FastifyRequest, tenantPath: string, tokenPath: string) => ({
    issuer: ctx.issuerUrl,
    authorization_endpoint: `${origin(request)}/${tenantPath}/oauth2/authorize`,
    token_endpoint: `${origin(request)}/${tenantPath}/${tokenPath}`,
    jwks_uri: `${origin(request)}/${tenantPath}/discovery/keys`,
    response_types_supported: ["token"],
    grant_types_supported: ["client_credentials"],
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
    return discovery(request, tenant, "oauth2/token");
  });
  app.get<{ Params: { tenant: string } }>("/:tenant/v2.0/.well-known/openid-configuration", async (request, reply) => {
    const { tenant } = request.params;
    if (!knownTenant(tenant)) return unknownTenant(reply, tenant);
    return discovery(request, tenant, "oauth2/v2.0/token");
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
    const form = (typeof request.body === "object" && request.body !== null ? request.body : {}) as Form;
    if (form.grant_type !== "client_credentials") {
      return oauthError(reply, 400, "unsupported_grant_type", "AADSTS70003: Only the client_credentials grant is supported.");
    }
    const audience = audienceOf(form, ctx);
    if (!audience) {
      return oauthError(reply, 400, "invalid_scope", "AADSTS70011: The scope must name a resource this server serves, as '<resource>/.default'.");
    }
    let found: Authenticated | null;
    if (form.client_assertion_type !== undefined || form.client_assertion !== undefined) {
      // RFC 7523 §2.2: the client proves a registered certificate by a JWT made for this token endpoint.
      if (form.client_assertion_type !== JWT_BEARER || !form.client_assertion || !form.client_id) {
        return oauthError(reply, 400, "invalid_request", `AADSTS900144: client_id, client_assertion and client_assertion_type=${JWT_BEARER} are required.`);
      }
      const endpoint = `${origin(request)}${request.url.split("?")[0]}`;
      found = await ctx.principals.authenticateAssertion(form.client_id, form.client_assertion, { audiences: [endpoint], leewaySeconds: 60 });
      if (!found) return oauthError(reply, 401, "invalid_client", "AADSTS700027: Client assertion failed signature validation.");
    } else {
      const client = clientCredentials(request, form);
      if (!client) return oauthError(reply, 400, "invalid_request", "AADSTS900144: client_id and client_secret are required.");
      found = await ctx.principals.authenticateClient(client.id, client.secret);
      if (!found) return oauthError(reply, 401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
    }
    const token = await ctx.issuer.issue(found.principal, found.credentialId, audience);
    return reply.header("cache-control", "no-store").send({
      token_type: "Bearer",
      expires_in: token.expiresIn,
      ext_expires_in: token.expiresIn,
      access_token: token.accessToken,
    });
  };
  app.post("/:tenant/oauth2/token", tokenEndpoint);
  app.post("/:tenant/oauth2/v2.0/token", tokenEndpoint);

  // App Service managed identity (api-version 2019-08-01): header X-IDENTITY-HEADER, answer with expires_on.
  app.get<{ Querystring: Form }>("/msi/token", async (request, reply) => {
    const header = request.headers["x-identity-header"];
    if (typeof header !== "string" || header === "") {
      return oauthError(reply, 400, "invalid_request", "The X-IDENTITY-HEADER header is required.");
    }
    const resource = request.query.resource?.replace(/\/\.default$/, "");
    if (!resource || !ctx.hosts.resources.includes(resource)) {
      return oauthError(reply, 400, "invalid_resource", "The resource must be one this server serves.");
    }
    const found = await ctx.principals.authenticateIdentityHeader(header);
    const requested = request.query.client_id ?? request.query.object_id ?? request.query.principal_id;
    if (!found || (requested !== undefined && requested.toLowerCase() !== found.principal.id)) {
      return oauthError(reply, 401, "unauthorized_client", "The identity header is not valid for the requested identity.");
    }
    const principal = found.principal;
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

function clientCredentials(request: FastifyRequest, form: Form): { id: string; secret: string } | null {
  const basic = request.headers.authorization;
  if (typeof basic === "string" && /^Basic\s+/i.test(basic)) {
    const decoded = Buffer.from(basic.replace(/^Basic\s+/i, ""), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    }
  }
  return form.client_id && form.client_secret ? { id: form.client_id, secret: form.client_secret } : null;
}

/** `scope=<resource>/.default` (v2, MSAL) or `resource=<resource>` (v1); only resources this server serves. */
function audienceOf(form: Form, ctx: AppContext): string | null {
  const scopes = (form.scope ?? "").split(/\s+/).filter((s) => s.endsWith("/.default"));
  const resource = scopes.length > 0 ? scopes[0]!.slice(0, -"/.default".length) : form.resource;
  return resource && ctx.hosts.resources.includes(resource.replace(/\/$/, "")) ? resource.replace(/\/$/, "") : null;
}
