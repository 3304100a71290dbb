import type { FastifyInstance } from "fastify";
import type { AppContext } from "./app-context.js";

/**
 * The console runs on the server's own origin and calls each vault on the vault's host name, as the SDKs do: the
 * vault hosts allow exactly that origin to (CORS), and no other. Preflights are answered before authentication,
 * since a browser sends them without the token.
 */
export function installConsoleCors(app: FastifyInstance, ctx: AppContext): void {
  if (!ctx.console) return;
  const origin = new URL(ctx.authorityUrl).origin;
  app.addHook("onRequest", (request, reply, done) => {
    if (request.headers.origin !== origin || !ctx.hosts.namesVault(request.hostname)) {
      done();
      return;
    }
    reply
      .header("access-control-allow-origin", origin)
      .header("vary", "Origin")
      .header("access-control-expose-headers", "WWW-Authenticate, x-ms-request-id, Retry-After");
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) {
      void reply
        .code(204)
        .header("access-control-allow-methods", "GET, PUT, POST, PATCH, DELETE")
        .header("access-control-allow-headers", "Authorization, Content-Type")
        .header("access-control-max-age", "600")
        .send();
      return;
    }
    done();
  });
}
