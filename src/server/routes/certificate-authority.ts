import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";

/**
 * The built-in CA's certificate, for clients to trust the certificates it signs. It is public, so it is served
 * outside the authenticated scopes: a client fetches it before it has any credential.
 */
export function registerCertificateAuthorityRoutes(app: FastifyInstance, ctx: AppContext): void {
  const pem = ctx.certificateAuthority.certificatePem();
  app.get("/keyhold/ca.pem", async (_request, reply) => reply.type("application/x-pem-file").send(pem));
}
