import type { FastifyInstance } from "fastify";
import { badParameter } from "../../errors/key-vault-error.js";
import { checkImportSize, checkObjectName } from "../../vault/limits.js";
import { mapSliced } from "../../vault/time-slice.js";
import type { AppContext } from "../app-context.js";
import { vaultRequest } from "../data-plane.js";
import { registerLifecycleRoutes } from "./object-lifecycle-routes.js";
import type { NameParams } from "./route-params.js";
import { asObject, requiredString } from "../wire/parse.js";
import {
  deletedSecretBundle,
  deletedSecretItem,
  parseSecretSet,
  parseSecretUpdate,
  secretBundle,
  secretItem,
} from "../wire/secret-wire.js";

/** The Secrets API (spec/keyvault/2025-07-01/secrets.json), status codes as the SDK expects them. */
export function registerSecretRoutes(app: FastifyInstance, ctx: AppContext): void {
  const secrets = ctx.secrets;

  app.put<{ Params: NameParams }>("/secrets/:name", { config: { operation: "secrets/set" } }, async (request) => {
    const kv = vaultRequest(request);
    const name = checkObjectName("secret", request.params.name);
    return secretBundle(kv, await secrets.set(kv.vault, name, parseSecretSet(request.body)));
  });

  registerLifecycleRoutes(app, secrets.lifecycle, {
    collection: "secrets",
    bundle: secretBundle,
    deletedBundle: deletedSecretBundle,
    item: secretItem,
    deletedItem: deletedSecretItem,
    parseUpdate: parseSecretUpdate,
  });

  // Keyhold's extension (there is no POST /secrets/{name} in Azure's API, as with /secrets/restore): many secrets
  // in one transaction, for `keyhold secret import`, at most SECRETS_IMPORT_MAX of them. Answers with the new
  // versions' items, never values.
  app.post("/secrets/import", { config: { operation: "secrets/import" } }, async (request) => {
    const kv = vaultRequest(request);
    const list = asObject(request.body, "The request body").secrets;
    if (!Array.isArray(list) || list.length === 0) throw badParameter("The parameter 'secrets' must be a non-empty array.");
    // Before the items are parsed: an oversized import is refused without spending time on each of its items.
    checkImportSize(list.length);
    // Item by item with pauses, here and in importMany: a thousand items are too much work for one turn of the
    // event loop, which every other request (in every vault) is waiting for.
    const inputs = await mapSliced(list, (item, i) => ({
      ...parseSecretSet(item),
      name: requiredString(asObject(item, `secrets[${i}]`).name, `secrets[${i}].name`),
    }));
    const views = await secrets.importMany(kv.vault, inputs);
    return { value: await mapSliced(views, (v) => secretItem(kv, v.record, true)) };
  });
}
