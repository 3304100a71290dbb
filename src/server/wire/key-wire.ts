import type { CipherInput } from "../../crypto/key-backend.js";
import {
  type CurveName,
  KEY_OPERATIONS,
  type KeyDescription,
  type KeyFamily,
  type KeyOperation,
  NODE_CURVE,
} from "../../crypto/key-types.js";
import type { ObjectSummary, ObjectVersionRecord } from "../../storage/records.js";
import { badParameter } from "../../errors/key-vault-error.js";
import { type CreateKeyInput, type ImportKeyInput, type KeyAttributes, type KeyView, describeKey } from "../../vault/key-service.js";
import type { LifetimeAction, RotationPolicy } from "../../vault/rotation-policy.js";
import {
  type WireContext,
  attributesJson,
  deletedFields,
  managedJson,
  objectId,
  parseAttributePatch,
  parseNewAttributes,
} from "./object-wire.js";
import { type Json, asObject, base64urlBytes, optionalBoolean, optionalObject, optionalString, requiredString } from "./parse.js";

/** Translation between Azure's key JSON (KeyBundle, KeyItem, JsonWebKey, KeyOperationResult…) and the domain. */

// A Map, not an object literal: looked up by what the client sent, an object would also answer for the names
// of Object.prototype's members (`constructor`, `toString`, `__proto__`).
const KEY_TYPES: ReadonlyMap<string, { family: KeyFamily; hsm: boolean }> = new Map([
  ["RSA", { family: "RSA", hsm: false }],
  ["RSA-HSM", { family: "RSA", hsm: true }],
  ["EC", { family: "EC", hsm: false }],
  ["EC-HSM", { family: "EC", hsm: true }],
  ["oct", { family: "oct", hsm: false }],
  ["oct-HSM", { family: "oct", hsm: true }],
]);

/** The key types (kty) a key can be created with. */
export const KEY_TYPE_NAMES: readonly string[] = [...KEY_TYPES.keys()];

function keyType(value: unknown): { family: KeyFamily; hsm: boolean } {
  const type = typeof value === "string" ? KEY_TYPES.get(value) : undefined;
  if (!type) throw badParameter(`The key type (kty) must be one of ${[...KEY_TYPES.keys()].join(", ")}.`);
  return type;
}

function keyOps(value: unknown): KeyOperation[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((op) => typeof op === "string" && (KEY_OPERATIONS as readonly string[]).includes(op))) {
    throw badParameter(`key_ops must be a list of ${KEY_OPERATIONS.join(", ")}.`);
  }
  return [...new Set(value as KeyOperation[])];
}

function optionalInteger(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw badParameter(`The parameter '${field}' must be an integer.`);
  return value;
}

function attributes(json: Json): KeyAttributes {
  const a = optionalObject(json.attributes, "attributes") ?? {};
  if (optionalBoolean(a.exportable, "attributes.exportable") === true || json.release_policy != null) {
    throw badParameter("Exportable keys and release policies (secure key release) are not supported by Keyhold.");
  }
  return parseNewAttributes(json);
}

export function parseKeyCreate(body: unknown): CreateKeyInput {
  const json = asObject(body, "The request body");
  const { family, hsm } = keyType(json.kty);
  const crv = json.crv;
  // Own members only: `crv in NODE_CURVE` would take "constructor" or "toString" for a curve.
  if (crv !== undefined && crv !== null && (typeof crv !== "string" || !Object.hasOwn(NODE_CURVE, crv))) {
    throw badParameter("The curve (crv) must be one of P-256, P-256K, P-384, P-521.");
  }
  return {
    ...attributes(json),
    family,
    hsm,
    size: optionalInteger(json.key_size, "key_size"),
    curve: (crv as CurveName | undefined) ?? null,
    publicExponent: optionalInteger(json.public_exponent, "public_exponent"),
    keyOps: keyOps(json.key_ops),
  };
}

export function parseKeyImport(body: unknown): ImportKeyInput {
  const json = asObject(body, "The request body");
  const jwk = asObject(json.key, "key");
  const { family, hsm } = keyType(jwk.kty);
  return {
    ...attributes(json),
    family,
    hsm: hsm || (optionalBoolean(json.Hsm ?? json.hsm, "Hsm") ?? false),
    jwk,
    transferBlob: optionalBytes(jwk.key_hsm, "key.key_hsm") ?? null,
    keyOps: keyOps(jwk.key_ops),
  };
}

export function parseKeyUpdate(body: unknown): Partial<KeyAttributes> & { keyOps?: KeyOperation[] } {
  const json = asObject(body ?? {}, "The request body");
  const patch: Partial<KeyAttributes> & { keyOps?: KeyOperation[] } = parseAttributePatch(json);
  const ops = keyOps(json.key_ops);
  if (ops !== null) patch.keyOps = ops;
  return patch;
}

function optionalBytes(value: unknown, field: string): Buffer | undefined {
  return value === undefined || value === null ? undefined : base64urlBytes(value, field);
}

/** KeyOperationsParameters: alg, value, and for AES iv, aad, tag. */
export function parseKeyOperation(body: unknown): { alg: string; value: Buffer; input: CipherInput } {
  const json = asObject(body, "The request body");
  return {
    alg: requiredString(json.alg, "alg"),
    value: base64urlBytes(json.value, "value"),
    input: { iv: optionalBytes(json.iv, "iv"), aad: optionalBytes(json.aad, "aad"), tag: optionalBytes(json.tag, "tag") },
  };
}

export function parseVerify(body: unknown): { alg: string; digest: Buffer; signature: Buffer } {
  const json = asObject(body, "The request body");
  return {
    alg: requiredString(json.alg, "alg"),
    digest: base64urlBytes(json.digest, "digest"),
    signature: base64urlBytes(json.value, "value"),
  };
}

export function parseRotationPolicy(body: unknown): Pick<RotationPolicy, "lifetimeActions" | "expiryTime"> {
  const json = asObject(body, "The request body");
  const actions = json.lifetimeActions ?? [];
  if (!Array.isArray(actions)) throw badParameter("lifetimeActions must be a list.");
  const lifetimeActions = actions.map((raw, i): LifetimeAction => {
    const item = asObject(raw, `lifetimeActions[${i}]`);
    const trigger = asObject(item.trigger ?? {}, `lifetimeActions[${i}].trigger`);
    // A string or nothing: String() of an arbitrary JSON object can throw (`{"toString": 1}`).
    const type = optionalString(
      asObject(item.action ?? {}, `lifetimeActions[${i}].action`).type,
      `lifetimeActions[${i}].action.type`,
    )?.toLowerCase();
    if (type !== "rotate" && type !== "notify") throw badParameter("A lifetime action's type must be Rotate or Notify.");
    const t: LifetimeAction["trigger"] = {};
    if (trigger.timeAfterCreate !== undefined && trigger.timeAfterCreate !== null)
      t.timeAfterCreate = requiredString(trigger.timeAfterCreate, "timeAfterCreate");
    if (trigger.timeBeforeExpiry !== undefined && trigger.timeBeforeExpiry !== null)
      t.timeBeforeExpiry = requiredString(trigger.timeBeforeExpiry, "timeBeforeExpiry");
    return { trigger: t, action: type === "rotate" ? "Rotate" : "Notify" };
  });
  const attrs = optionalObject(json.attributes, "attributes") ?? {};
  const expiry = attrs.expiryTime;
  return { lifetimeActions, expiryTime: expiry === undefined || expiry === null ? null : requiredString(expiry, "expiryTime") };
}

/** A KeyBundle: the public JWK only; private parts (d, p, q, dp, dq, qi, k) never leave the server. */
/**
 * Key attributes: the shared ones, `exportable` (always false: Keyhold has no secure key release), and a
 * symmetric key's size (read only).
 */
function keyAttributesJson(w: WireContext, r: ObjectVersionRecord, description?: KeyDescription): Record<string, unknown> {
  const attributes = attributesJson(w, r);
  attributes.exportable = w.shape.exportable ? false : undefined;
  if (w.shape.symmetricKeySize) {
    const d = description ?? describeKey(r);
    attributes.key_size = d.jwk.kty === "oct" ? d.size : undefined;
  }
  return attributes;
}

export function keyBundle(w: WireContext, view: KeyView): Record<string, unknown> {
  const r = view.record;
  const d = view.description;
  return {
    key: { ...d.jwk, kid: objectId(w.base, r), kty: d.hsm ? `${d.jwk.kty}-HSM` : d.jwk.kty, key_ops: r.keyOps ?? [] },
    attributes: keyAttributesJson(w, r, d),
    ...(r.tags !== null && { tags: r.tags }),
    managed: managedJson(r),
  };
}

export function deletedKeyBundle(w: WireContext, view: KeyView): object {
  return { ...deletedFields(w, view.record, view.state), ...keyBundle(w, view) };
}

export function keyItem(w: WireContext, r: ObjectVersionRecord, withVersion: boolean): object {
  return {
    kid: objectId(w.base, r, withVersion),
    attributes: keyAttributesJson(w, r),
    ...(r.tags !== null && { tags: r.tags }),
    managed: managedJson(r),
  };
}

export function deletedKeyItem(w: WireContext, s: ObjectSummary): object {
  return { ...deletedFields(w, s.latest, s.state), ...keyItem(w, s.latest, false) };
}

export function rotationPolicyJson(base: string, name: string, policy: RotationPolicy): object {
  return {
    id: `${base}/keys/${name}/rotationpolicy`,
    lifetimeActions: policy.lifetimeActions.map((a) => ({ trigger: a.trigger, action: { type: a.action } })),
    attributes: {
      ...(policy.expiryTime !== null && { expiryTime: policy.expiryTime }),
      ...(policy.created !== null && { created: policy.created }),
      ...(policy.updated !== null && { updated: policy.updated }),
    },
  };
}
