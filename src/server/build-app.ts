import { randomUUID } from "node:crypto";
import type { SecureContextOptions } from "node:tls";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions, LogController } from "fastify";
import { KeyVaultError } from "../errors/key-vault-error.js";
import type { AppContext } from "./app-context.js";
import { errorHandler, sendKeyVaultError } from "./errors-reply.js";
import { installAdminAuth } from "./routes/admin-auth.js";
import { registerAdminAuditRoutes } from "./routes/admin-audit.js";
import { registerAdminDevRoutes } from "./routes/admin-dev.js";
import { registerAdminMasterKeyRoutes } from "./routes/admin-master-key.js";
import { registerAdminPrincipalRoutes } from "./routes/admin-principals.js";
import { registerAdminRoleRoutes } from "./routes/admin-roles.js";
import { registerAdminUserRoutes } from "./routes/admin-users.js";
import { registerAdminVaultRoutes } from "./routes/admin-vaults.js";
import { registerCallerSelfRoute } from "./routes/caller-self.js";
import { registerConsoleRoutes } from "./routes/console.js";
import { installConsoleCors } from "./console-cors.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerMetricsRoute } from "./routes/metrics.js";
import { registerReadinessRoute } from "./routes/readiness.js";
import { registerIdentityRoutes } from "./routes/identity.js";
import { registerKeyRoutes } from "./routes/keys.js";
import { registerSecretRoutes } from "./routes/secrets.js";
import { registerCertificateRoutes } from "./routes/certificates.js";
import { registerCertificateIssuerRoutes } from "./routes/certificate-issuers.js";
import { registerCertificateAuthorityRoutes } from "./routes/certificate-authority.js";
import { installDataPlane } from "./data-plane.js";
import { installAuditTrail } from "./audit/audit-hooks.js";
import { type OutcomeObserver, installRequestOutcomes } from "./request-outcome.js";
import { parseJsonBody } from "./wire/json-body.js";

export interface TlsMaterial {
  cert: string;
  key: string;
}

/**
 * TLS 1.3's suites and TLS 1.2's forward-secret AEAD suites only: Node's defaults (`HIGH`) would also offer
 * CBC with SHA-1 and CCM with 8-byte tags on TLS 1.2.
 */
const AEAD_CIPHER_SUITES = [
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

const noSchemas = (): never => {
  throw new Error("Keyhold routes declare no JSON schemas");
};

export interface AppOptions {
  /** Who is told of each finished request, besides the context's observers (tests). */
  observers?: readonly OutcomeObserver[];
}

/**
 * Builds the HTTPS application without listening, so tests can inject requests. The data plane follows
 * docs/clients.md §6: trailing and doubled slashes are tolerated, query names are decoded, bodies are JSON.
 */
export function buildApp(ctx: AppContext, tls?: TlsMaterial, appOptions: AppOptions = {}): FastifyInstance {
  const handleError = errorHandler(ctx.bodyLimit);
  const options: FastifyServerOptions & { https?: TlsMaterial & Pick<SecureContextOptions, "minVersion" | "ciphers"> } = {
    loggerInstance: ctx.logger,
    // Not fastify's request lines, which could carry what a caller sent (the URL's query): the request log writes
    // one line per request from its outcome (request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.bodyLimit,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Object names are up to 127 characters; the router refuses longer parameters with 414 otherwise.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 512 },
    return503OnClosing: true,
    // A body that never arrives (slowloris) is cut off instead of holding a connection for minutes.
    requestTimeout: 30_000,
    // Errors raised before routing (bad percent-encoding, over-long parameters) get Azure's JSON too, and are
    // logged as every other error is (a client's at info level).
    frameworkErrors: (error, request, reply) => {
      (reply as FastifyReply).header("x-ms-request-id", request.id);
      handleError(error, request, reply);
    },
    // Routes declare no JSON schemas (the wire/ parsers check every field with Azure's messages), so fastify's
    // schema compilers (ajv, fast-json-stringify) are never loaded: that keeps ~60 ms off every start.
    schemaController: { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } },
    ...(tls && { https: { ...tls, minVersion: "TLSv1.2", ciphers: AEAD_CIPHER_SUITES } }),
  };
  const app = Fastify(options) as unknown as FastifyInstance;
  app.server.maxConnections = ctx.maxConnections;

  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-ms-request-id", request.id);
    done();
  });
  installRequestOutcomes(app, [...ctx.requestObservers, ...(appOptions.observers ?? [])]);
  installConsoleCors(app, ctx);
  if (ctx.audit) installAuditTrail(app, ctx.audit);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((_request, reply) =>
    sendKeyVaultError(reply, new KeyVaultError(404, "NotFound", "The requested resource does not exist on this server.")),
  );

  registerHealthRoutes(app);
  registerReadinessRoute(app, ctx);
  registerCertificateAuthorityRoutes(app, ctx);
  app.register(async (scope) => registerIdentityRoutes(scope, ctx));
  app.register(async (scope) => {
    registerConsoleRoutes(scope, ctx);
    registerCallerSelfRoute(scope, ctx);
  });
  // The admin scope: every route is authorised by its management action (admin-auth.ts).
  app.register(async (scope) => {
    installAdminAuth(scope, ctx);
    registerMetricsRoute(scope, ctx);
    registerAdminVaultRoutes(scope, ctx);
    registerAdminPrincipalRoutes(scope, ctx);
    registerAdminUserRoutes(scope, ctx);
    registerAdminRoleRoutes(scope, ctx);
    registerAdminDevRoutes(scope, ctx);
    registerAdminMasterKeyRoutes(scope, ctx);
    registerAdminAuditRoutes(scope, ctx);
  });
  // One data-plane scope: its hook (vault by host, authentication, api-version, authorisation) covers both APIs.
  app.register(async (scope) => {
    installDataPlane(scope, ctx);
    registerSecretRoutes(scope, ctx);
    registerKeyRoutes(scope, ctx);
    registerCertificateRoutes(scope, ctx);
    registerCertificateIssuerRoutes(scope, ctx);
  });
  return app;
}
