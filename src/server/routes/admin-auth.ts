import type { FastifyInstance, FastifyRequest } from "fastify";
import type { VerifiedCaller } from "../../identity/token-verifier.js";
import type { AppContext } from "../app-context.js";
import { authenticate } from "../authenticate.js";

declare module "fastify" {
  interface FastifyRequest {
    adminCaller: VerifiedCaller | null;
  }
  interface FastifyContextConfig {
    /** The management action an admin route performs, e.g. `Keyhold/vaults/write`. */
    action?: string;
  }
}

export function adminCaller(request: FastifyRequest): VerifiedCaller {
  if (!request.adminCaller) throw new Error("admin context missing");
  return request.adminCaller;
}

/**
 * Keyhold's admin API lives under /keyhold/ and is authenticated like the data plane. Every route names its
 * management action; only a caller holding a role with that action at the server scope `/` passes.
 */
export function installAdminAuth(scope: FastifyInstance, ctx: AppContext): void {
  const resource = ctx.hosts.resources[0]!;
  scope.decorateRequest("adminCaller", null);
  scope.addHook("onRequest", async (request, reply) => {
    const action = request.routeOptions.config.action;
    if (!action) throw new Error(`admin route ${request.routeOptions.url} has no action`);
    request.facts.operation = action;
    // The vault routes (`/keyhold/vaults/:name…`, `/keyhold/deletedVaults/:name…`) name the vault they act on.
    const onVault = /^\/keyhold\/(vaults|deletedVaults)\/:name/.test(request.routeOptions.url ?? "");
    request.facts.vault = onVault ? ((request.params as { name?: string }).name ?? null) : null;
    const caller = await authenticate(ctx, request, reply, resource);
    request.facts.caller = { principalId: caller.principalId, credentialId: caller.credentialId, kind: caller.kind };
    await ctx.access.requireManagement(caller, action);
    request.adminCaller = caller;
  });
}

export const action = (name: string) => ({ config: { action: `Keyhold/${name}` } });
