import type { FastifyInstance } from "fastify";
import type { Operation } from "../../authz/operations.js";
import { badParameter, forbidden } from "../../errors/key-vault-error.js";
import type { AppContext } from "../app-context.js";
import { vaultRequest } from "../data-plane.js";
import { destroyReleasedTokenKeys } from "../token-key-release.js";
import { registerLifecycleRoutes } from "./object-lifecycle-routes.js";
import { type NameParams, versionOf } from "./route-params.js";
import {
  deletedKeyBundle,
  deletedKeyItem,
  keyBundle,
  keyItem,
  parseKeyCreate,
  parseKeyImport,
  parseKeyOperation,
  parseKeyUpdate,
  parseRotationPolicy,
  parseVerify,
  rotationPolicyJson,
} from "../wire/key-wire.js";
import { keyOperationResultJson } from "../wire/key-operation-result.js";
import { objectId } from "../wire/object-wire.js";
import { asObject } from "../wire/parse.js";

const op = (operation: Operation) => ({ config: { operation } });
const b64 = (value: Buffer | undefined) => value?.toString("base64url");
/** What fastify sends with an answer it serialized itself. */
const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/** The Keys API (spec/keyvault/2025-07-01/keys.json), status codes as the SDK expects them. */
export function registerKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const keys = ctx.keys;

  app.post<{ Params: NameParams }>("/keys/:name/create", op("keys/create"), async (request) => {
    const kv = vaultRequest(request);
    return keyBundle(kv, await keys.create(kv.vault, request.params.name, parseKeyCreate(request.body)));
  });

  app.put<{ Params: NameParams }>("/keys/:name", op("keys/import"), async (request) => {
    const kv = vaultRequest(request);
    return keyBundle(kv, await keys.import(kv.vault, request.params.name, parseKeyImport(request.body)));
  });

  registerLifecycleRoutes(app, keys.lifecycle, {
    collection: "keys",
    bundle: keyBundle,
    deletedBundle: deletedKeyBundle,
    item: keyItem,
    deletedItem: deletedKeyItem,
    parseUpdate: parseKeyUpdate,
    afterPurge: (log) => destroyReleasedTokenKeys(keys, (message) => log.warn(message)),
  });

  app.post<{ Params: NameParams }>("/keys/:name/rotate", op("keys/rotate"), async (request) => {
    const kv = vaultRequest(request);
    return keyBundle(kv, await keys.rotate(kv.vault, request.params.name));
  });

  app.get<{ Params: NameParams }>("/keys/:name/rotationpolicy", op("keys/getRotationPolicy"), async (request) => {
    const kv = vaultRequest(request);
    return rotationPolicyJson(kv.base, request.params.name, await keys.getRotationPolicy(kv.vault, request.params.name));
  });

  app.put<{ Params: NameParams }>("/keys/:name/rotationpolicy", op("keys/setRotationPolicy"), async (request) => {
    const kv = vaultRequest(request);
    const policy = await keys.setRotationPolicy(kv.vault, request.params.name, parseRotationPolicy(request.body));
    return rotationPolicyJson(kv.base, request.params.name, policy);
  });

  app.post("/rng", op("keys/random"), async (request) => {
    const count = asObject(request.body, "The request body").count;
    return { value: keys.randomBytes(typeof count === "number" ? count : Number.NaN).toString("base64url") };
  });

  // Secure key release and key attestation need exportable keys and an attestation service (Managed HSM).
  for (const url of ["/keys/:name/release", "/keys/:name/:version/release"]) {
    app.post<{ Params: NameParams }>(url, op("keys/release"), async (request) => {
      const kv = vaultRequest(request);
      await keys.lifecycle.get(kv.vault, request.params.name, versionOf(request.params));
      throw forbidden(
        "Operation release is not allowed on a non-exportable key: Keyhold does not support secure key release.",
        "KeyNotExportable",
      );
    });
  }
  for (const url of ["/keys/:name/attestation", "/keys/:name/:version/attestation"]) {
    app.get<{ Params: NameParams }>(url, op("keys/get"), async (request) => {
      const kv = vaultRequest(request);
      await keys.lifecycle.get(kv.vault, request.params.name, versionOf(request.params));
      throw badParameter("Key attestation is available only for keys held in a hardware security module; this key has none.");
    });
  }

  // Cryptographic operations, on a named version or the latest (`/keys/k//encrypt` arrives as `/keys/k/encrypt`).
  for (const suffix of ["", "/:version"]) {
    app.post<{ Params: NameParams }>(`/keys/:name${suffix}/encrypt`, op("keys/encrypt"), async (request, reply) => {
      const kv = vaultRequest(request);
      const { alg, value, input } = parseKeyOperation(request.body);
      const { record, output } = await keys.encrypt(kv.vault, request.params.name, versionOf(request.params), alg, value, input);
      const fields = { value: output.value, iv: output.iv, tag: output.tag, aad: input.aad };
      return reply.type(JSON_CONTENT_TYPE).send(keyOperationResultJson(objectId(kv.base, record), fields));
    });
    // The operations that take an algorithm and bytes and answer with the key version and bytes.
    const bytesOperations = [
      ["decrypt", "keys/decrypt", "decrypt"],
      ["wrapkey", "keys/wrapKey", "wrap"],
      ["unwrapkey", "keys/unwrapKey", "unwrap"],
      ["sign", "keys/sign", "sign"],
    ] as const;
    for (const [path, operation, operate] of bytesOperations) {
      app.post<{ Params: NameParams }>(`/keys/:name${suffix}/${path}`, op(operation), async (request) => {
        const kv = vaultRequest(request);
        const { alg, value, input } = parseKeyOperation(request.body);
        const result = await keys[operate](kv.vault, request.params.name, versionOf(request.params), alg, value, input);
        return { kid: objectId(kv.base, result.record), value: b64(result.value) };
      });
    }
    app.post<{ Params: NameParams }>(`/keys/:name${suffix}/verify`, op("keys/verify"), async (request) => {
      const kv = vaultRequest(request);
      const { alg, digest, signature } = parseVerify(request.body);
      return { value: await keys.verify(kv.vault, request.params.name, versionOf(request.params), alg, digest, signature) };
    });
  }
}
