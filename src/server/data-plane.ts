import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Operation } from "../authz/operations.js";
import type { VerifiedCaller } from "../identity/token-verifier.js";
import type { VaultRecord } from "../storage/records.js";
import { KeyVaultError, forbidden } from "../errors/key-vault-error.js";
import type { ApiShape } from "./api-version.js";
import type { AppContext } from "./app-context.js";
import { authenticate } from "./authenticate.js";
import { answeredBeforeHandling } from "./answer-before-handling.js";

/** What every data-plane handler gets: who calls, which vault, and how to write ids for this client. */
export interface VaultRequest {
  caller: VerifiedCaller;
  vault: VaultRecord;
  /** The api-version as the client sent it (next links repeat it) and the shape of the answer it asks for. */
  apiVersion: string;
  shape: ApiShape;
  /** `https://host[:port]` exactly as the client addressed the vault (ids echo it, docs/clients.md §1). */
  base: string;
}

declare module "fastify" {
  interface FastifyRequest {
    kv: VaultRequest | null;
  }
  interface FastifyContextConfig {
    operation?: Operation;
  }
}

export function vaultRequest(request: FastifyRequest): VaultRequest {
  if (!request.kv) throw new Error("data-plane context missing");
  return request.kv;
}

/**
 * Installs the data-plane pipeline on a scope: vault by host → authentication → api-version → vault lookup →
 * authorisation (the caller's grants on the vault or on the named object), in that order, all before the body
 * is read. A refused request changes nothing.
 */
export function installDataPlane(scope: FastifyInstance, ctx: AppContext): void {
  scope.decorateRequest("kv", null);
  scope.addHook("onRequest", async (request, reply) => {
    const target = ctx.hosts.resolve(request.hostname);
    if (!target) {
      throw new KeyVaultError(404, "VaultNotFound", "The host name does not address a vault on this Keyhold server.");
    }
    const operation = request.routeOptions.config.operation;
    if (!operation) throw new Error(`route ${request.routeOptions.url} has no operation`);
    const params = request.params as { name?: string; version?: string };
    const facts = request.facts;
    facts.vault = target.vaultName;
    facts.operation = operation;
    facts.objectName = params.name ?? null;
    facts.objectVersion = params.version || null;
    const caller = await authenticate(ctx, request, reply, target.resource);
    facts.caller = { principalId: caller.principalId, credentialId: caller.credentialId, kind: caller.kind };
    const apiVersion = (request.query as Record<string, unknown>)["api-version"];
    const shape = ctx.apiVersions.resolve(apiVersion);
    const vault = await ctx.vaults.get(target.vaultName);
    const decision = await ctx.access.check(caller, vault, operation, facts.objectName);
    if (!decision.allowed) throw forbidden(decision.reason, decision.innerCode);
    if (answeredBeforeHandling(ctx, request, reply, vault.name, caller.principalId, operation)) return reply;
    request.kv = { caller, vault, apiVersion: apiVersion as string, shape, base: `https://${request.host}` };
  });
}
