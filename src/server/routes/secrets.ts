import type { FastifyInstance } from "fastify";
import { badParameter } from "../../errors/key-vault-error.js";
import { checkImportSize, checkObjectName } from "../../vault/limits.js";
import { mapSliced } from "../../vault/time-slice.js";
import type { AppContext } from "../app-context.js";
import { vaultRequest } from "../data-plane.js";
import { type NameParams, type Query, listPage, versionOf } from "./route-params.js";
import { base64urlBytes, asObject, requiredString } from "../wire/parse.js";
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

  for (const url of ["/secrets/:name", "/secrets/:name/:version"]) {
    app.get<{ Params: NameParams }>(url, { config: { operation: "secrets/get" } }, async (request) => {
      const kv = vaultRequest(request);
      return secretBundle(kv, await secrets.get(kv.vault, request.params.name, versionOf(request.params)));
    });
    app.patch<{ Params: NameParams }>(url, { config: { operation: "secrets/update" } }, async (request) => {
      const kv = vaultRequest(request);
      const patch = parseSecretUpdate(request.body);
      return secretBundle(kv, await secrets.update(kv.vault, request.params.name, versionOf(request.params), patch));
    });
  }

  app.get<{ Querystring: Query }>("/secrets", { config: { operation: "secrets/list" } }, async (request) => {
    const kv = vaultRequest(request);
    return listPage(
      kv,
      "/secrets",
      request.query,
      (after, max) => secrets.list(kv.vault, after, max),
      (s) => secretItem(kv, s.latest, false),
    );
  });

  app.get<{ Params: NameParams; Querystring: Query }>(
    "/secrets/:name/versions",
    { config: { operation: "secrets/listVersions" } },
    async (request) => {
      const kv = vaultRequest(request);
      const name = request.params.name;
      return listPage(
        kv,
        `/secrets/${encodeURIComponent(name)}/versions`,
        request.query,
        (after, max) => secrets.listVersions(kv.vault, name, after, max),
        (r) => secretItem(kv, r, true),
      );
    },
  );

  app.delete<{ Params: NameParams }>("/secrets/:name", { config: { operation: "secrets/delete" } }, async (request) => {
    const kv = vaultRequest(request);
    return deletedSecretBundle(kv, await secrets.delete(kv.vault, request.params.name));
  });

  app.get<{ Querystring: Query }>("/deletedsecrets", { config: { operation: "secrets/listDeleted" } }, async (request) => {
    const kv = vaultRequest(request);
    return listPage(
      kv,
      "/deletedsecrets",
      request.query,
      (after, max) => secrets.listDeleted(kv.vault, after, max),
      (s) => deletedSecretItem(kv, s),
    );
  });

  app.get<{ Params: NameParams }>("/deletedsecrets/:name", { config: { operation: "secrets/getDeleted" } }, async (request) => {
    const kv = vaultRequest(request);
    return deletedSecretBundle(kv, await secrets.getDeleted(kv.vault, request.params.name));
  });

  app.post<{ Params: NameParams }>("/deletedsecrets/:name/recover", { config: { operation: "secrets/recover" } }, async (request) => {
    const kv = vaultRequest(request);
    return secretBundle(kv, await secrets.recover(kv.vault, request.params.name));
  });

  app.delete<{ Params: NameParams }>("/deletedsecrets/:name", { config: { operation: "secrets/purge" } }, async (request, reply) => {
    const kv = vaultRequest(request);
    await secrets.purge(kv.vault, request.params.name);
    return reply.code(204).send();
  });

  app.post<{ Params: NameParams }>("/secrets/:name/backup", { config: { operation: "secrets/backup" } }, async (request) => {
    const kv = vaultRequest(request);
    const blob = await secrets.backup(kv.vault, request.params.name);
    return { value: blob.toString("base64url") };
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

  app.post("/secrets/restore", { config: { operation: "secrets/restore" } }, async (request) => {
    const kv = vaultRequest(request);
    const blob = base64urlBytes(asObject(request.body, "The request body").value, "value");
    if (blob.length === 0) throw badParameter("The parameter 'value' must not be empty.");
    return secretBundle(kv, await secrets.restore(kv.vault, blob));
  });
}
