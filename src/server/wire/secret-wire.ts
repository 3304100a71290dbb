import type { ObjectSummary, ObjectVersionRecord, VaultRecord } from "../../storage/records.js";
import type { SecretAttributes, SecretInput, SecretView } from "../../vault/secret-service.js";
import { recoveryLevel } from "../../vault/limits.js";
import {
  asObject,
  optionalBoolean,
  optionalEpoch,
  optionalObject,
  optionalString,
  optionalTags,
  requiredString,
} from "./parse.js";

/** Translation between Azure's secret JSON (SecretBundle, SecretItem, DeletedSecretBundle) and the domain. */

export function parseSecretSet(body: unknown): SecretInput {
  const json = asObject(body, "The request body");
  const attributes = optionalObject(json.attributes, "attributes") ?? {};
  return {
    value: requiredString(json.value, "value"),
    contentType: optionalString(json.contentType, "contentType") ?? null,
    tags: optionalTags(json.tags) ?? null,
    enabled: optionalBoolean(attributes.enabled, "attributes.enabled") ?? true,
    notBefore: optionalEpoch(attributes.nbf, "attributes.nbf") ?? null,
    expires: optionalEpoch(attributes.exp, "attributes.exp") ?? null,
  };
}

/** Only the fields present change; an explicit null clears nbf, exp, contentType or tags. */
export function parseSecretUpdate(body: unknown): Partial<SecretAttributes> {
  const json = asObject(body ?? {}, "The request body");
  const attributes = optionalObject(json.attributes, "attributes") ?? {};
  const patch: Partial<SecretAttributes> = {};
  const enabled = optionalBoolean(attributes.enabled, "attributes.enabled");
  if (enabled !== undefined) patch.enabled = enabled;
  const nbf = optionalEpoch(attributes.nbf, "attributes.nbf");
  if (nbf !== undefined) patch.notBefore = nbf;
  const exp = optionalEpoch(attributes.exp, "attributes.exp");
  if (exp !== undefined) patch.expires = exp;
  const contentType = optionalString(json.contentType, "contentType");
  if (contentType !== undefined) patch.contentType = contentType;
  const tags = optionalTags(json.tags);
  if (tags !== undefined) patch.tags = tags;
  return patch;
}

function attributesJson(vault: VaultRecord, r: ObjectVersionRecord): object {
  return {
    enabled: r.enabled,
    ...(r.notBefore !== null && { nbf: r.notBefore }),
    ...(r.expires !== null && { exp: r.expires }),
    created: r.created,
    updated: r.updated,
    recoveryLevel: recoveryLevel(vault.retentionDays, vault.purgeProtection),
    recoverableDays: vault.retentionDays,
  };
}

function common(vault: VaultRecord, r: ObjectVersionRecord): object {
  return {
    attributes: attributesJson(vault, r),
    ...(r.contentType !== null && { contentType: r.contentType }),
    ...(r.tags !== null && { tags: r.tags }),
  };
}

export function secretBundle(base: string, view: SecretView): object {
  const r = view.record;
  return {
    ...(view.value !== undefined && { value: view.value }),
    id: `${base}/secrets/${r.name}/${r.version}`,
    ...common(view.vault, r),
  };
}

export function deletedSecretBundle(base: string, view: SecretView): object {
  const r = view.record;
  return {
    recoveryId: `${base}/deletedsecrets/${r.name}`,
    deletedDate: view.state?.deletedAt ?? undefined,
    scheduledPurgeDate: view.state?.scheduledPurge ?? undefined,
    id: `${base}/secrets/${r.name}/${r.version}`,
    ...common(view.vault, r),
  };
}

export function secretItem(base: string, vault: VaultRecord, r: ObjectVersionRecord, withVersion: boolean): object {
  return { id: `${base}/secrets/${r.name}${withVersion ? `/${r.version}` : ""}`, ...common(vault, r) };
}

export function deletedSecretItem(base: string, vault: VaultRecord, s: ObjectSummary): object {
  return {
    recoveryId: `${base}/deletedsecrets/${s.latest.name}`,
    deletedDate: s.state.deletedAt ?? undefined,
    scheduledPurgeDate: s.state.scheduledPurge ?? undefined,
    ...secretItem(base, vault, s.latest, false),
  };
}
