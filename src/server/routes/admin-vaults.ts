import type { FastifyInstance } from "fastify";
import type { PermissionCategory } from "../../storage/records.js";
import type { AppContext } from "../app-context.js";
import { badParameter } from "../../errors/key-vault-error.js";
import { asObject, optionalBoolean, optionalObject, optionalStringArray } from "../wire/parse.js";
import { deletedVaultJson, policyJson, vaultJson } from "../wire/admin-wire.js";
import { action, adminCaller } from "./admin-auth.js";
import { destroyReleasedTokenKeys } from "../token-key-release.js";

type VaultParams = { name: string };

/**
 * The tier's name, given as `az keyvault create --sku` sends it ("premium") or as ARM shows it
 * (`{"family": "A", "name": "premium"}`); VaultService checks the name itself.
 */
function optionalSku(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  const sku = asObject(value, "sku");
  if (typeof sku.name !== "string") throw badParameter("The parameter 'sku.name' must be a string: 'standard' or 'premium'.");
  // JSON.stringify, not String(): String() of a JSON object with a `toString` member that is no function throws.
  if (sku.family !== undefined && sku.family !== "A")
    throw badParameter(`The SKU family ${JSON.stringify(sku.family)} is not valid: vaults have family 'A'.`);
  return sku.name;
}

/**
 * A JSON number (VaultService checks the range). Number() would take "7" or [7] for 7, and throw on an object
 * whose `valueOf` and `toString` members are no functions.
 */
function optionalRetentionDays(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") throw badParameter("The parameter 'softDeleteRetentionInDays' must be an integer between 7 and 90.");
  return value;
}

/**
 * Vaults and their access policies, under /keyhold/vaults (`az keyvault create|show|update|set-policy|delete`),
 * and soft-deleted vaults under /keyhold/deletedVaults, as ARM's `deletedVaults` (`az keyvault list-deleted|
 * show-deleted|recover|purge`): GET the list or one, POST `…/recover` (ARM recovers through the vault's PUT, so
 * it takes `vaults/write`), POST `…/purge` (ARM's own shape and action).
 */
export function registerAdminVaultRoutes(app: FastifyInstance, ctx: AppContext): void {
  const show = async (name: string) => {
    const vault = await ctx.vaults.get(name);
    return vaultJson(vault, ctx.vaultUri(vault.name), ctx.tenantId, await ctx.access.listPolicies(vault.name));
  };

  app.get("/keyhold/vaults", action("vaults/read"), async () =>
    Promise.all(
      (await ctx.vaults.list()).map(async (v) => vaultJson(v, ctx.vaultUri(v.name), ctx.tenantId, await ctx.access.listPolicies(v.name))),
    ),
  );

  app.get<{ Params: VaultParams }>("/keyhold/vaults/:name", action("vaults/read"), async (request) => show(request.params.name));

  app.put<{ Params: VaultParams }>("/keyhold/vaults/:name", action("vaults/write"), async (request, reply) => {
    const body = asObject(request.body ?? {}, "The request body");
    const retention = optionalRetentionDays(body.softDeleteRetentionInDays);
    const purgeProtection = optionalBoolean(body.enablePurgeProtection, "enablePurgeProtection");
    const rbac = optionalBoolean(body.enableRbacAuthorization, "enableRbacAuthorization");
    const sku = optionalSku(body.sku);
    const vault = await ctx.vaults.create(
      {
        name: request.params.name,
        ...(retention !== undefined && { retentionDays: retention }),
        ...(purgeProtection !== undefined && { purgeProtection }),
        ...(rbac !== undefined && { enableRbacAuthorization: rbac }),
        ...(sku !== undefined && { sku }),
      },
      adminCaller(request).principalId,
    );
    return reply.code(201).send(await show(vault.name));
  });

  app.patch<{ Params: VaultParams }>("/keyhold/vaults/:name", action("vaults/write"), async (request) => {
    const body = asObject(request.body ?? {}, "The request body");
    const purgeProtection = optionalBoolean(body.enablePurgeProtection, "enablePurgeProtection");
    const rbac = optionalBoolean(body.enableRbacAuthorization, "enableRbacAuthorization");
    const sku = optionalSku(body.sku);
    const vault = await ctx.vaults.update(request.params.name, {
      ...(purgeProtection !== undefined && { purgeProtection }),
      ...(rbac !== undefined && { enableRbacAuthorization: rbac }),
      ...(sku !== undefined && { sku }),
    });
    return show(vault.name);
  });

  app.delete<{ Params: VaultParams }>("/keyhold/vaults/:name", action("vaults/delete"), async (request, reply) => {
    await ctx.vaults.delete(request.params.name);
    return reply.code(204).send();
  });

  app.get("/keyhold/deletedVaults", action("deletedVaults/read"), async () => (await ctx.vaults.listDeleted()).map(deletedVaultJson));

  app.get<{ Params: VaultParams }>("/keyhold/deletedVaults/:name", action("deletedVaults/read"), async (request) =>
    deletedVaultJson(await ctx.vaults.getDeleted(request.params.name)),
  );

  app.post<{ Params: VaultParams }>("/keyhold/deletedVaults/:name/recover", action("vaults/write"), async (request) =>
    show((await ctx.vaults.recover(request.params.name)).name),
  );

  app.post<{ Params: VaultParams }>("/keyhold/deletedVaults/:name/purge", action("deletedVaults/purge/action"), async (request, reply) => {
    await ctx.vaults.purge(request.params.name);
    await destroyReleasedTokenKeys(ctx.keys, (message) => request.log.warn(message));
    return reply.code(204).send();
  });

  app.get<{ Params: VaultParams }>("/keyhold/vaults/:name/accessPolicies", action("accessPolicies/read"), async (request) =>
    (await ctx.access.listPolicies(request.params.name)).map((p) => policyJson(p, ctx.tenantId)),
  );

  app.put<{ Params: VaultParams & { principalId: string } }>(
    "/keyhold/vaults/:name/accessPolicies/:principalId",
    action("accessPolicies/write"),
    async (request) => {
      const permissions = optionalObject(asObject(request.body ?? {}, "The request body").permissions, "permissions") ?? {};
      const requested: Partial<Record<PermissionCategory, string[]>> = {};
      for (const category of ["keys", "secrets", "certificates"] as const) {
        const list = optionalStringArray(permissions[category], `permissions.${category}`);
        if (list) requested[category] = list;
      }
      return policyJson(await ctx.access.setPolicy(request.params.name, request.params.principalId, requested), ctx.tenantId);
    },
  );

  app.delete<{ Params: VaultParams & { principalId: string } }>(
    "/keyhold/vaults/:name/accessPolicies/:principalId",
    action("accessPolicies/write"),
    async (request, reply) => {
      await ctx.access.deletePolicy(request.params.name, request.params.principalId);
      return reply.code(204).send();
    },
  );
}
