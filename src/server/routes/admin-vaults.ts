import type { FastifyInstance } from "fastify";
import type { Operation } from "../../authz/authorize.js";
import { authorize } from "../../authz/authorize.js";
import type { VerifiedCaller } from "../../identity/token-verifier.js";
import type { VaultRecord } from "../../storage/records.js";
import { forbidden } from "../../vault/errors.js";
import type { AppContext } from "../app-context.js";
import { authenticate } from "../authenticate.js";
import { asObject, optionalBoolean } from "../wire/parse.js";

declare module "fastify" {
  interface FastifyRequest {
    adminCaller: VerifiedCaller | null;
  }
}

/** The vault shape the admin API and the CLI print, modelled on `az keyvault show`. */
function vaultJson(vault: VaultRecord, vaultUri: string): object {
  return {
    name: vault.name,
    id: `/vaults/${vault.name}`,
    type: "Keyhold/vaults",
    properties: {
      vaultUri,
      enableSoftDelete: true,
      softDeleteRetentionInDays: vault.retentionDays,
      enablePurgeProtection: vault.purgeProtection || null,
      createdAt: new Date(vault.createdAt * 1000).toISOString(),
      createdBy: vault.createdBy,
    },
  };
}

/** Keyhold's own management API for vaults, under /keyhold/; authenticated like the data plane. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const resource = ctx.hosts.resources[0]!;
  const uri = (name: string) => ctx.vaultUri(name);
  app.decorateRequest("adminCaller", null);
  app.addHook("onRequest", async (request, reply) => {
    const caller = await authenticate(ctx, request, reply, resource);
    const operation: Operation = request.method === "GET" ? "admin/vaults/read" : "admin/vaults/write";
    const decision = authorize(caller, null, operation);
    if (!decision.allowed) throw forbidden(`The caller is not authorized to perform ${operation}: ${decision.reason}`);
    request.adminCaller = caller;
  });

  app.get("/keyhold/vaults", async () => (await ctx.vaults.list()).map((v) => vaultJson(v, uri(v.name))));

  app.get<{ Params: { name: string } }>("/keyhold/vaults/:name", async (request) => {
    const vault = await ctx.vaults.get(request.params.name);
    return vaultJson(vault, uri(vault.name));
  });

  app.put<{ Params: { name: string } }>("/keyhold/vaults/:name", async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const retention = body.softDeleteRetentionInDays;
    const vault = await ctx.vaults.create(
      {
        name: request.params.name,
        ...(retention !== undefined && { retentionDays: Number(retention) }),
        ...(body.enablePurgeProtection !== undefined && {
          purgeProtection: optionalBoolean(body.enablePurgeProtection, "enablePurgeProtection") ?? false,
        }),
      },
      request.adminCaller!.principalId,
    );
    return reply.code(201).send(vaultJson(vault, uri(vault.name)));
  });

  app.delete<{ Params: { name: string } }>("/keyhold/vaults/:name", async (request, reply) => {
    await ctx.vaults.delete(request.params.name);
    return reply.code(204).send();
  });
}
