import type { FastifyInstance } from "fastify";
import { badParameter } from "../../errors/key-vault-error.js";
import type { AppContext } from "../app-context.js";
import { credentialJson, principalJson } from "../wire/admin-wire.js";
import { asObject, optionalString, requiredString } from "../wire/parse.js";
import { action } from "./admin-auth.js";

type PrincipalParams = { id: string };

/**
 * A hundred years: an expiry further out is no expiry, and an unbounded one (1e300 is an integer too) would
 * overflow the stored time and the dates written in answers.
 */
const MAX_LIFETIME_SECONDS = 100 * 365 * 86_400;

function optionalLifetime(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > MAX_LIFETIME_SECONDS) {
    throw badParameter(`The parameter 'lifetimeSeconds' must be a positive integer of at most ${MAX_LIFETIME_SECONDS} (100 years).`);
  }
  return value;
}

/**
 * Service principals and managed identities, under /keyhold/principals (`az ad sp create-for-rbac`,
 * `az ad sp credential reset --append`, `az identity create`). Secrets and identity headers are shown once,
 * in the answer that creates them.
 */
export function registerAdminPrincipalRoutes(app: FastifyInstance, ctx: AppContext): void {
  const principals = ctx.principals;

  app.get("/keyhold/principals", action("principals/read"), async () =>
    (await principals.list()).map((p) => principalJson(p, ctx.tenantId)),
  );

  app.post("/keyhold/principals", action("principals/write"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const displayName = requiredString(body.displayName, "displayName");
    const type = optionalString(body.type, "type") ?? "servicePrincipal";
    if (type === "managedIdentity") {
      const created = await principals.createManagedIdentity(displayName);
      return reply.code(201).send({
        ...principalJson(created.principal, ctx.tenantId),
        principalId: created.principal.id,
        identityHeader: created.identityHeader,
      });
    }
    if (type === "publicClient") {
      // A client id for users' sign-in (loopback redirects, device code): no secret, nothing shown only once.
      return reply.code(201).send(principalJson(await principals.createPublicClient(displayName), ctx.tenantId));
    }
    if (type !== "servicePrincipal") {
      throw badParameter("The parameter 'type' must be 'servicePrincipal', 'managedIdentity' or 'publicClient'.");
    }
    const created = await principals.createServicePrincipal(displayName, optionalLifetime(body.lifetimeSeconds));
    // As `az ad sp create-for-rbac` prints it; tenantId "adfs" with AZURE_AUTHORITY_HOST is what
    // DefaultAzureCredential takes (docs/clients.md §3).
    return reply.code(201).send({
      ...principalJson(created.principal, ctx.tenantId),
      clientSecret: created.clientSecret,
      credentialId: created.credentialId,
      tenantId: "adfs",
      authorityHost: ctx.authorityUrl,
    });
  });

  app.get<{ Params: PrincipalParams }>("/keyhold/principals/:id", action("principals/read"), async (request) => {
    const principal = await principals.require(request.params.id);
    return principalJson(principal, ctx.tenantId, await principals.listCredentials(principal.id));
  });

  app.delete<{ Params: PrincipalParams }>("/keyhold/principals/:id", action("principals/delete"), async (request, reply) => {
    await principals.delete(request.params.id);
    return reply.code(204).send();
  });

  app.post<{ Params: PrincipalParams }>("/keyhold/principals/:id/credentials", action("principals/write"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const type = optionalString(body.type, "type") ?? "clientSecret";
    if (type === "certificate") {
      const credential = await principals.addCertificate(request.params.id, requiredString(body.certificate, "certificate"));
      return reply.code(201).send(credentialJson(credential));
    }
    if (type !== "clientSecret") throw badParameter("The parameter 'type' must be 'clientSecret' or 'certificate'.");
    const { secret, credential } = await principals.addClientSecret(request.params.id, optionalLifetime(body.lifetimeSeconds));
    return reply.code(201).send({ ...credentialJson(credential), clientSecret: secret });
  });

  app.delete<{ Params: PrincipalParams & { credentialId: string } }>(
    "/keyhold/principals/:id/credentials/:credentialId",
    action("principals/write"),
    async (request, reply) => {
      await principals.removeCredential(request.params.id, request.params.credentialId);
      return reply.code(204).send();
    },
  );
}
