import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { authenticate } from "../authenticate.js";

/**
 * `GET /keyhold/me`: who the caller is, whether it administers the server, and the vaults it may use: all of them
 * for an administrator, else those where it holds data-plane rights. Any authenticated caller may ask; the console
 * starts from it.
 */
export function registerCallerSelfRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get("/keyhold/me", async (request, reply) => {
    const caller = await authenticate(ctx, request, reply, ctx.hosts.resources[0]!);
    request.facts.caller = { principalId: caller.principalId, credentialId: caller.credentialId, kind: caller.kind };
    const principal = await ctx.principals.require(caller.principalId);
    const administrator = (await ctx.access.checkManagement(caller, "Keyhold/vaults/read")).allowed;
    const vaults = [];
    for (const vault of await ctx.vaults.list()) {
      if (administrator || (await ctx.access.holdsDataRights(caller.principalId, vault))) {
        vaults.push({ name: vault.name, sku: vault.sku, enableRbacAuthorization: vault.enableRbacAuthorization });
      }
    }
    return {
      id: principal.id,
      type: principal.kind,
      displayName: principal.displayName,
      userName: principal.userName,
      administrator,
      vaults,
    };
  });
}
