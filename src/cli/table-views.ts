import { PERMISSIONS } from "../authz/permissions.js";
import type { TableView } from "./output.js";

/**
 * The columns `-o table` shows for each kind of answer, as az's table output does: names rather than ids, dates as
 * ISO 8601 in UTC, lists joined with commas, and few enough columns that a table fits a 120-column terminal for
 * ordinary names. JSON, YAML, TSV and `--query` keep the answer as the API gives it.
 */

type Item = Record<string, unknown>;

const isItem = (value: unknown): value is Item => typeof value === "object" && value !== null && !Array.isArray(value);

/** The value at a dotted path (`properties.sku.name`), or undefined. */
const at = (item: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((value, key) => (isItem(value) ? value[key] : undefined), item);

/**
 * A date as az prints one, ISO 8601 in UTC to the second (2026-11-30T12:00:00+00:00), from the Key Vault API's epoch
 * seconds or the admin API's ISO strings.
 */
export function readableDate(value: unknown): string | undefined {
  const ms = typeof value === "number" ? value * 1000 : typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

const date = (path: string) => (item: Item) => readableDate(at(item, path));
const field = (path: string) => (item: Item) => at(item, path);
const joined = (path: string) => (item: Item) => {
  const list = at(item, path);
  return Array.isArray(list) ? list.join(",") : undefined;
};

/** A part of a Key Vault object id, `https://V.vault.azure.net/{secrets|keys|deletedsecrets…}/NAME/VERSION`. */
function idPart(item: Item, part: "name" | "version"): string | undefined {
  const id = item.id ?? item.kid ?? at(item, "key.kid");
  if (typeof id !== "string") return undefined;
  try {
    const segment = new URL(id).pathname.split("/").filter(Boolean)[part === "name" ? 1 : 2];
    return segment === undefined ? undefined : decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const name = (item: Item) => idPart(item, "name");
const version = (item: Item) => idPart(item, "version");

/** A key's type with its size or curve: `RSA 3072`, `EC-HSM P-256`, `oct 256` (an RSA key's size is its modulus's). */
function keyType(item: Item): string | undefined {
  const kty = at(item, "key.kty");
  if (typeof kty !== "string") return undefined;
  const n = at(item, "key.n");
  const size = typeof n === "string" ? Buffer.from(n, "base64url").length * 8 : (at(item, "key.crv") ?? at(item, "attributes.key_size"));
  return typeof size === "number" || typeof size === "string" ? `${kty} ${size}` : kty;
}

/** Access-policy permissions joined with commas, or `all` when a category holds every one (as `policy set` takes it). */
const permissions = (category: keyof typeof PERMISSIONS) => (item: Item) => {
  const given = at(item, `permissions.${category}`);
  if (!Array.isArray(given)) return undefined;
  return PERMISSIONS[category].every((p) => given.includes(p)) ? "all" : given.join(",");
};

/** A rotation policy's lifetime actions: `Rotate P90D after create, Notify P30D before expiry`. */
function lifetimeActions(item: Item): string | undefined {
  const actions = item.lifetimeActions;
  if (!Array.isArray(actions)) return undefined;
  return actions
    .map((a: unknown) => {
      const after = at(a, "trigger.timeAfterCreate");
      const before = at(a, "trigger.timeBeforeExpiry");
      const when = typeof after === "string" ? `${after} after create` : typeof before === "string" ? `${before} before expiry` : "";
      return `${String(at(a, "action.type"))} ${when}`.trim();
    })
    .join(", ");
}

const view = (...columns: TableView["columns"]): TableView => ({ columns });

export const VAULT_TABLE = view(
  ["Name", field("name")],
  ["Sku", field("properties.sku.name")],
  ["RbacAuthorization", field("properties.enableRbacAuthorization")],
  ["PurgeProtection", (v) => at(v, "properties.enablePurgeProtection") === true],
  ["RetentionDays", field("properties.softDeleteRetentionInDays")],
  ["Created", date("properties.createdAt")],
);

export const DELETED_VAULT_TABLE = view(
  ["Name", field("name")],
  ["DeletionDate", date("properties.deletionDate")],
  ["ScheduledPurgeDate", date("properties.scheduledPurgeDate")],
  ["PurgeProtection", field("properties.purgeProtectionEnabled")],
);

export const SECRET_LIST_TABLE = view(
  ["Name", name],
  ["ContentType", field("contentType")],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
  ["Updated", date("attributes.updated")],
);

export const SECRET_VERSIONS_TABLE = view(
  ["Version", version],
  ["ContentType", field("contentType")],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
  ["Created", date("attributes.created")],
);

/** A secret version as set, updated, recovered or restored: without its value. */
export const SECRET_TABLE = view(
  ["Name", name],
  ["Version", version],
  ["ContentType", field("contentType")],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
);

/** `secret show`: the value is what it is asked for, last so that a long one does not push the others aside. */
export const SECRET_SHOW_TABLE = view(...SECRET_TABLE.columns, ["Value", field("value")]);

/** Deleted secrets and keys: when they were deleted and when they will be purged. */
export const DELETED_OBJECT_TABLE = view(
  ["Name", name],
  ["DeletedDate", date("deletedDate")],
  ["ScheduledPurgeDate", date("scheduledPurgeDate")],
);

export const KEY_LIST_TABLE = view(
  ["Name", name],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
  ["Updated", date("attributes.updated")],
);

export const KEY_VERSIONS_TABLE = view(
  ["Version", version],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
  ["Created", date("attributes.created")],
);

export const KEY_TABLE = view(
  ["Name", name],
  ["Type", keyType],
  ["Operations", joined("key.key_ops")],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
);

export const ROTATION_POLICY_TABLE = view(
  ["LifetimeActions", lifetimeActions],
  ["ExpiryTime", field("attributes.expiryTime")],
  ["Created", date("attributes.created")],
  ["Updated", date("attributes.updated")],
);

export const ACCESS_POLICY_TABLE = view(
  ["ObjectId", field("objectId")],
  ["Keys", permissions("keys")],
  ["Secrets", permissions("secrets")],
  ["Certificates", permissions("certificates")],
);

/**
 * Role assignments as az shows them: principals by display name where `principalNames` (id → name) has it, and no
 * assignment ids (`--query "[].name"` lists those, for `role assignment delete --id`).
 */
export const roleAssignmentTable = (principalNames: ReadonlyMap<string, string>): TableView =>
  view(
    [
      "Principal",
      (a) => (typeof a.principalId === "string" ? (principalNames.get(a.principalId.toLowerCase()) ?? a.principalId) : undefined),
    ],
    ["Role", field("roleDefinitionName")],
    ["Scope", field("scope")],
  );

export const ROLE_DEFINITION_TABLE = view(["RoleName", field("roleName")], ["RoleType", field("roleType")], ["Name", field("name")]);

export const PRINCIPAL_TABLE = view(
  ["DisplayName", field("displayName")],
  ["ClientId", field("clientId")],
  ["Type", field("type")],
  ["Created", date("createdAt")],
);

export const USER_TABLE = view(
  ["UserName", field("userName")],
  ["DisplayName", field("displayName")],
  ["Id", field("id")],
  ["Created", date("createdAt")],
);

export const CREDENTIAL_TABLE = view(
  ["Id", field("id")],
  ["Type", field("type")],
  ["Created", date("createdAt")],
  ["Expires", date("expiresAt")],
);

/** A certificate's SHA-1 thumbprint in hex, as az and Windows show it, from the API's base64url `x5t`. */
const thumbprint = (item: Item) =>
  typeof item.x5t === "string" ? Buffer.from(item.x5t, "base64url").toString("hex").toUpperCase() : undefined;

export const CERTIFICATE_LIST_TABLE = view(
  ["Name", name],
  ["Thumbprint", thumbprint],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
);

export const CERTIFICATE_VERSIONS_TABLE = view(
  ["Version", version],
  ["Thumbprint", thumbprint],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
);

export const CERTIFICATE_TABLE = view(
  ["Name", name],
  ["Version", version],
  ["Subject", field("policy.x509_props.subject")],
  ["Issuer", field("policy.issuer.name")],
  ["Enabled", field("attributes.enabled")],
  ["Expires", date("attributes.exp")],
);

/** A certificate operation (`…/certificates/NAME/pending`): how its issuing stands. */
export const CERTIFICATE_OPERATION_TABLE = view(
  ["Name", name],
  ["Issuer", field("issuer.name")],
  ["Status", field("status")],
  ["CancellationRequested", field("cancellation_requested")],
  ["Error", field("error.code")],
);

/** A policy in az's shape, as `certificate get-default-policy` prints it. */
export const CERTIFICATE_POLICY_TABLE = view(
  ["Subject", field("x509_certificate_properties.subject")],
  ["Issuer", field("issuer_parameters.name")],
  ["KeyType", field("key_properties.key_type")],
  ["KeySize", field("key_properties.key_size")],
  ["ValidityMonths", field("x509_certificate_properties.validity_in_months")],
  ["ContentType", field("secret_properties.content_type")],
);

export const CERTIFICATE_CONTACT_TABLE = view(["Email", field("email")], ["Name", field("name")], ["Phone", field("phone")]);

/** An issuer's name is the last segment of its id, `…/certificates/issuers/NAME`. */
export const CERTIFICATE_ISSUER_TABLE = view(
  ["Name", (item) => (typeof item.id === "string" ? decodeURIComponent(item.id.slice(item.id.lastIndexOf("/") + 1)) : undefined)],
  ["Provider", field("provider")],
  ["AccountId", field("credentials.account_id")],
  ["Enabled", field("attributes.enabled")],
);
