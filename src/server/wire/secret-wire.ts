import type { ObjectSummary, ObjectVersionRecord, VaultRecord } from "../../storage/records.js";
import type { SecretAttributes, SecretInput, SecretView } from "../../vault/secret-service.js";
import { asObject, optionalString, requiredString } from "./parse.js";
import { attributesJson, deletedFields, objectId, parseAttributePatch, parseNewAttributes } from "./object-wire.js";

/** Translation between Azure's secret JSON (SecretBundle, SecretItem, DeletedSecretBundle) and the domain. */

export function parseSecretSet(body: unknown): SecretInput {
  const json = asObject(body, "The request body");
  return {
    ...parseNewAttributes(json),
    value: requiredString(json.value, "value"),
    contentType: optionalString(json.contentType, "contentType") ?? null,
  };
}

/** Only the fields present change; an explicit null clears nbf, exp, contentType or tags. */
export function parseSecretUpdate(body: unknown): Partial<SecretAttributes> {
  const json = asObject(body ?? {}, "The request body");
  const patch: Partial<SecretAttributes> = parseAttributePatch(json);
  const contentType = optionalString(json.contentType, "contentType");
  if (contentType !== undefined) patch.contentType = contentType;
  return patch;
}

export function secretBundle(base: string, view: SecretView): object {
  const r = view.record;
  return {
    value: view.value,
    id: objectId(base, r),
    attributes: attributesJson(view.vault, r),
    contentType: r.contentType ?? undefined,
    tags: r.tags ?? undefined,
  };
}

export function deletedSecretBundle(base: string, view: SecretView): object {
  return { ...deletedFields(base, view.record, view.state), ...secretBundle(base, view) };
}

export function secretItem(base: string, vault: VaultRecord, r: ObjectVersionRecord, withVersion: boolean): object {
  return { id: objectId(base, r, withVersion), attributes: attributesJson(vault, r), contentType: r.contentType ?? undefined, tags: r.tags ?? undefined };
}

export function deletedSecretItem(base: string, vault: VaultRecord, s: ObjectSummary): object {
  return { ...deletedFields(base, s.latest, s.state), ...secretItem(base, vault, s.latest, false) };
}
