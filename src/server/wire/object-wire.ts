import type { ObjectKind, ObjectState, ObjectVersionRecord, VaultRecord } from "../../storage/records.js";
import { recoveryLevel } from "../../vault/limits.js";
import type { ApiShape } from "../api-version.js";
import { optionalBoolean, optionalEpoch, optionalObject, optionalTags, type Json } from "./parse.js";

/** The wire shapes secrets, keys and certificates share: attributes and the soft-delete fields. */

/** What writing an answer needs from its request: how the client addressed the vault, the vault, and the api-version's shape. */
export interface WireContext {
  base: string;
  vault: VaultRecord;
  shape: ApiShape;
}

const COLLECTION: Record<ObjectKind, string> = { secret: "secrets", key: "keys", certificate: "certificates" };

/** `https://host/{secrets|keys|certificates}/NAME[/VERSION]`, as parseKeyVaultIdentifier expects. */
export function objectId(base: string, r: ObjectVersionRecord, withVersion = true): string {
  return `${base}/${COLLECTION[r.kind]}/${r.name}${withVersion ? `/${r.version}` : ""}`;
}

/**
 * Wire objects are built with one fixed shape and `undefined` for what is absent (JSON.stringify leaves those
 * out): conditional spreads would make each response a differently shaped, slower object to serialise.
 */
export function attributesJson(w: WireContext, r: ObjectVersionRecord): Record<string, unknown> {
  return {
    enabled: r.enabled,
    nbf: r.notBefore ?? undefined,
    exp: r.expires ?? undefined,
    created: r.created,
    updated: r.updated,
    recoveryLevel: w.shape.softDelete ? recoveryLevel(w.vault.retentionDays, w.vault.purgeProtection) : undefined,
    recoverableDays: w.shape.recoverableDays ? w.vault.retentionDays : undefined,
  };
}

/** `managed: true` on the bundles and items of versions a certificate owns; absent otherwise, as Azure writes it. */
export const managedJson = (r: ObjectVersionRecord): true | undefined => (r.managed ? true : undefined);

/**
 * recoveryId (whose presence drives the SDK's delete pollers), deletedDate and scheduledPurgeDate; versions
 * from before soft-delete answer a delete with the plain bundle.
 */
export function deletedFields(w: WireContext, r: ObjectVersionRecord, state: ObjectState | undefined): Record<string, unknown> {
  const soft = w.shape.softDelete;
  return {
    recoveryId: soft ? `${w.base}/deleted${COLLECTION[r.kind]}/${r.name}` : undefined,
    deletedDate: soft ? (state?.deletedAt ?? undefined) : undefined,
    scheduledPurgeDate: soft ? (state?.scheduledPurge ?? undefined) : undefined,
  };
}

/** The attributes a create, set or import takes: enabled (default true), nbf, exp; and the tags. */
export function parseNewAttributes(json: Json): {
  enabled: boolean;
  notBefore: number | null;
  expires: number | null;
  tags: Record<string, string> | null;
} {
  const a = optionalObject(json.attributes, "attributes") ?? {};
  return {
    enabled: optionalBoolean(a.enabled, "attributes.enabled") ?? true,
    notBefore: optionalEpoch(a.nbf, "attributes.nbf") ?? null,
    expires: optionalEpoch(a.exp, "attributes.exp") ?? null,
    tags: optionalTags(json.tags) ?? null,
  };
}

/** The same for an update: only what is present changes, and an explicit null clears nbf, exp or tags. */
export function parseAttributePatch(json: Json): {
  enabled?: boolean;
  notBefore?: number | null;
  expires?: number | null;
  tags?: Record<string, string> | null;
} {
  const a = optionalObject(json.attributes, "attributes") ?? {};
  const patch: ReturnType<typeof parseAttributePatch> = {};
  const enabled = optionalBoolean(a.enabled, "attributes.enabled");
  if (enabled !== undefined) patch.enabled = enabled;
  const nbf = optionalEpoch(a.nbf, "attributes.nbf");
  if (nbf !== undefined) patch.notBefore = nbf;
  const exp = optionalEpoch(a.exp, "attributes.exp");
  if (exp !== undefined) patch.expires = exp;
  const tags = optionalTags(json.tags);
  if (tags !== undefined) patch.tags = tags;
  return patch;
}
