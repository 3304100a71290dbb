import { CliError } from "./cli-error.js";
import { readInputText } from "./input-file.js";

/**
 * Certificate policies on the command line. `--policy` takes az's shape (what `az keyvault certificate
 * get-default-policy` prints and `az … create --policy` reads: the SDK model's snake_case names, key_properties,
 * x509_certificate_properties, …), the same names in camelCase (keyProperties, …), or the REST API's own (key_props,
 * x509_props, …, what `certificate show --query policy` prints); each is sent as the REST API's policy.
 */

type Json = Record<string, unknown>;

/** az's default policy: a self-signed RSA-2048 certificate for a year, renewed 90 days before it expires. */
export const DEFAULT_POLICY: Json = {
  issuer_parameters: { name: "Self" },
  key_properties: { exportable: true, key_type: "RSA", key_size: 2048, reuse_key: true },
  lifetime_actions: [{ action: { action_type: "AutoRenew" }, trigger: { days_before_expiry: 90 } }],
  secret_properties: { content_type: "application/x-pkcs12" },
  x509_certificate_properties: {
    key_usage: ["cRLSign", "dataEncipherment", "digitalSignature", "keyEncipherment", "keyAgreement", "keyCertSign"],
    subject: "CN=CLIGetDefaultPolicy",
    validity_in_months: 12,
  },
};

/**
 * For each object of the REST policy (by its REST name), the names a field may be given by, in snake_case, and its
 * REST name; null drops a read-only field (an id, created, updated) so that a policy printed by `show` can be sent back.
 */
const FIELDS: Record<string, Record<string, string | null>> = {
  policy: {
    id: null,
    issuer_parameters: "issuer",
    issuer: "issuer",
    key_properties: "key_props",
    key_props: "key_props",
    secret_properties: "secret_props",
    secret_props: "secret_props",
    x509_certificate_properties: "x509_props",
    x509_props: "x509_props",
    lifetime_actions: "lifetime_actions",
    attributes: "attributes",
  },
  issuer: {
    name: "name",
    certificate_type: "cty",
    cty: "cty",
    certificate_transparency: "cert_transparency",
    cert_transparency: "cert_transparency",
  },
  key_props: {
    exportable: "exportable",
    key_type: "kty",
    kty: "kty",
    key_size: "key_size",
    reuse_key: "reuse_key",
    curve: "crv",
    crv: "crv",
  },
  secret_props: { content_type: "contentType" },
  x509_props: {
    subject: "subject",
    subject_alternative_names: "sans",
    sans: "sans",
    ekus: "ekus",
    key_usage: "key_usage",
    validity_in_months: "validity_months",
    validity_months: "validity_months",
  },
  sans: { emails: "emails", dns_names: "dns_names", upns: "upns", uris: "uris", ip_addresses: "ipAddresses" },
  lifetime_actions: { trigger: "trigger", action: "action" },
  trigger: { lifetime_percentage: "lifetime_percentage", days_before_expiry: "days_before_expiry" },
  action: { action_type: "action_type" },
  attributes: { enabled: "enabled", created: null, updated: null },
};

const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** One object of a policy, `section` of the REST policy, with its fields renamed; `path` names it in errors. */
function translate(value: unknown, section: string, path: string): Json {
  if (!isObject(value)) throw new CliError("BadParameter", `--policy: ${path} must be a JSON object`);
  const names = FIELDS[section]!;
  const rest: Json = {};
  for (const [given, inner] of Object.entries(value)) {
    const name = snakeCase(given);
    if (!(name in names)) {
      const known = Object.keys(names).filter((n) => names[n] !== null);
      throw new CliError("BadParameter", `--policy: ${path} has no field '${given}' (it takes ${known.join(", ")})`);
    }
    const target = names[name];
    if (target === null || target === undefined || inner === null) continue;
    const where = `${path}.${given}`;
    if (target === "lifetime_actions") {
      if (!Array.isArray(inner)) throw new CliError("BadParameter", `--policy: ${where} must be a JSON array`);
      rest[target] = inner.map((action, i) => translate(action, target, `${where}[${i}]`));
    } else rest[target] = target in FIELDS ? translate(inner, target, where) : inner;
  }
  return rest;
}

/** A policy in any of the shapes above as the REST API's CertificatePolicy. */
export const restPolicy = (policy: unknown): Json => translate(policy, "policy", "the policy");

/** `--policy` as az takes it: the JSON itself, or @FILE. */
export function readPolicyOption(option: string): unknown {
  const text = option.startsWith("@") ? readInputText(option.slice(1)) : option;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError("BadParameter", `--policy is not JSON${option.startsWith("@") ? ` (${option.slice(1)})` : ""}`);
  }
}

/** A REST policy with the certificate's validity in months (az's --validity) and a secret content type if it gives none. */
export function withPolicyDefaults(policy: Json, o: { validity?: number; contentType?: string }): Json {
  const x509 = o.validity === undefined ? policy.x509_props : { ...(policy.x509_props as Json | undefined), validity_months: o.validity };
  const secret = policy.secret_props as Json | undefined;
  const secretProps = o.contentType !== undefined && secret?.contentType === undefined ? { ...secret, contentType: o.contentType } : secret;
  return { ...policy, ...(x509 !== undefined && { x509_props: x509 }), ...(secretProps !== undefined && { secret_props: secretProps }) };
}
