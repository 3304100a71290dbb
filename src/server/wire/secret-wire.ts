import type { ObjectSummary, ObjectVersionRecord } from "../../storage/records.js";
import type { SecretAttributes, SecretInput, SecretView } from "../../vault/secret-service.js";
import { asObject, optionalString, requiredString } from "./parse.js";
import {
  type WireContext,
  attributesJson,
  deletedFields,
  managedJson,
  objectId,
  parseAttributePatch,
  parseNewAttributes,
} from "./object-wire.js";

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

export function secretBundle(w: WireContext, view: SecretView): object {
  const r = view.record;
  return {
    value: view.value,
    id: objectId(w.base, r),
    attributes: attributesJson(w, r),
    contentType: r.contentType ?? undefined,
    tags: r.tags ?? undefined,
    managed: managedJson(r),
  };
}

export function deletedSecretBundle(w: WireContext, view: SecretView): object {
  return { ...deletedFields(w, view.record, view.state), ...secretBundle(w, view) };
}

export function secretItem(w: WireContext, r: ObjectVersionRecord, withVersion: boolean): object {
  return {
    id: objectId(w.base, r, withVersion),
    attributes: attributesJson(w, r),
    contentType: r.contentType ?? undefined,
    tags: r.tags ?? undefined,
    managed: managedJson(r),
  };
}

export function deletedSecretItem(w: WireContext, s: ObjectSummary): object {
  return { ...deletedFields(w, s.latest, s.state), ...secretItem(w, s.latest, false) };
}
