import { isIP } from "node:net";
import { badParameter } from "../errors/key-vault-error.js";
import { KEY_USAGE_NAMES, type KeyUsageName } from "../crypto/x509/key-usage-names.js";
import { parseX500Name } from "../crypto/x509/x500-name.js";

/**
 * A certificate policy (Azure's CertificatePolicy): how Key Vault makes each version of a
 * certificate, its key and its secret. Requests give part of it; Azure fills the rest with its defaults and
 * refuses what it cannot issue. This module does both, so create, import and policy update agree.
 */

export const CERTIFICATE_KEY_TYPES = ["RSA", "RSA-HSM", "EC", "EC-HSM"] as const;
export type CertificateKeyType = (typeof CERTIFICATE_KEY_TYPES)[number];

export const CERTIFICATE_CURVES = ["P-256", "P-384", "P-521", "P-256K"] as const;
export type CertificateCurve = (typeof CERTIFICATE_CURVES)[number];

/** The secret's format: the certificate with its private key as PKCS#12 (PFX) or as PEM. */
export const CERTIFICATE_CONTENT_TYPES = ["application/x-pkcs12", "application/x-pem-file"] as const;
export type CertificateContentType = (typeof CERTIFICATE_CONTENT_TYPES)[number];

export const LIFETIME_ACTION_TYPES = ["AutoRenew", "EmailContacts"] as const;
export type LifetimeActionType = (typeof LIFETIME_ACTION_TYPES)[number];

/** Issuers every vault knows: `Self` signs with the certificate's own key; `Unknown` leaves a CSR to merge. */
export const SELF_ISSUER = "Self";
export const UNKNOWN_ISSUER = "Unknown";

export type LifetimeTrigger = { lifetimePercentage: number } | { daysBeforeExpiry: number };

export interface CertificateLifetimeAction {
  trigger: LifetimeTrigger;
  action: LifetimeActionType;
}

export interface SubjectAlternativeNames {
  emails: string[];
  dnsNames: string[];
  upns: string[];
  uris: string[];
  ipAddresses: string[];
}

export interface CertificatePolicy {
  key: { type: CertificateKeyType; size: number; curve: CertificateCurve | null; exportable: boolean; reuseKey: boolean };
  secret: { contentType: CertificateContentType };
  /** `subject` is "" when the certificate is named by its SANs alone. */
  x509: { subject: string; sans: SubjectAlternativeNames; ekus: string[]; keyUsage: KeyUsageName[]; validityMonths: number };
  lifetimeActions: CertificateLifetimeAction[];
  issuer: { name: string; certificateType: string | null; certificateTransparency: boolean | null };
  enabled: boolean;
  created: number;
  updated: number;
}

/**
 * A policy as a request gives it: every field optional, enumerations as the strings sent. The wire layer has
 * checked the JSON types; the values are checked here.
 */
export interface CertificatePolicyInput {
  key?: { type?: string; size?: number; curve?: string; exportable?: boolean; reuseKey?: boolean };
  secret?: { contentType?: string };
  x509?: {
    subject?: string;
    sans?: Partial<SubjectAlternativeNames>;
    ekus?: string[];
    keyUsage?: string[];
    validityMonths?: number;
  };
  lifetimeActions?: { trigger: { lifetimePercentage?: number; daysBeforeExpiry?: number }; action?: string }[];
  issuer?: { name?: string; certificateType?: string; certificateTransparency?: boolean };
  enabled?: boolean;
}

/** What the JS and .NET clients send for "the default policy" (`DefaultCertificatePolicy`). */
export const CLIENT_DEFAULT_POLICY: CertificatePolicyInput = { issuer: { name: SELF_ISSUER }, x509: { subject: "cn=MyCert" } };

export const DEFAULT_KEY_SIZE = { RSA: 2048 } as const;
export const DEFAULT_CURVE: CertificateCurve = "P-256";
export const DEFAULT_VALIDITY_MONTHS = 12;
/** TLS server and client authentication, which Azure puts in a policy that names no EKUs. */
export const DEFAULT_EKUS: readonly string[] = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"];
const DEFAULT_KEY_USAGE: Record<"RSA" | "EC", readonly KeyUsageName[]> = {
  RSA: ["digitalSignature", "keyEncipherment"],
  EC: ["digitalSignature"],
};
const DEFAULT_RENEWAL_PERCENTAGE = 80;

/** The RSA sizes Azure issues certificate keys with, and the size each curve stands for. */
export const RSA_KEY_SIZES: readonly number[] = [2048, 3072, 4096];
const CURVE_SIZE: ReadonlyMap<string, number> = new Map([
  ["P-256", 256],
  ["P-384", 384],
  ["P-521", 521],
  ["P-256K", 256],
]);
/**
 * Keyhold's own bounds where Azure documents none (its spec only says validity_months is not negative): a
 * century of validity, and a hundred names of each SAN kind, keep every date and certificate representable.
 */
export const MAX_VALIDITY_MONTHS = 1200;
const MAX_SAN_ENTRIES = 100;
/** days_before_expiry may be at most validity_months × 27, the limit Azure documents. */
const DAYS_PER_VALIDITY_MONTH = 27;

function oneOf<T extends string>(allowed: readonly T[], value: string, field: string): T {
  // includes() on a fixed list, not `in` on an object: `constructor` or `__proto__` must not pass.
  if (!(allowed as readonly string[]).includes(value)) throw badParameter(`${field} must be one of ${allowed.join(", ")}.`);
  return value as T;
}

function integerIn(value: number, min: number, max: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw badParameter(`${field} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

function keyProperties(input: NonNullable<CertificatePolicyInput["key"]>): CertificatePolicy["key"] {
  const type = oneOf(CERTIFICATE_KEY_TYPES, input.type ?? "RSA", "key_props.kty");
  const hsm = type.endsWith("-HSM");
  const exportable = input.exportable ?? !hsm;
  if (exportable && hsm) throw badParameter(`A certificate key of type ${type} cannot be exportable; set key_props.exportable to false.`);
  const reuseKey = input.reuseKey ?? false;
  if (type.startsWith("RSA")) {
    if (input.curve !== undefined) throw badParameter("key_props.crv applies only to EC keys.");
    const size = input.size ?? DEFAULT_KEY_SIZE.RSA;
    if (!RSA_KEY_SIZES.includes(size)) throw badParameter(`key_props.key_size for an RSA key must be one of ${RSA_KEY_SIZES.join(", ")}.`);
    return { type, size, curve: null, exportable, reuseKey };
  }
  const curve =
    input.curve !== undefined
      ? oneOf(CERTIFICATE_CURVES, input.curve, "key_props.crv")
      : input.size !== undefined
        ? curveOfSize(input.size)
        : DEFAULT_CURVE;
  const size = CURVE_SIZE.get(curve)!;
  if (input.size !== undefined && input.size !== size) {
    throw badParameter(`key_props.key_size ${input.size} does not match the curve ${curve}, whose size is ${size}.`);
  }
  return { type, size, curve, exportable, reuseKey };
}

function curveOfSize(size: number): CertificateCurve {
  const curve = ([...CURVE_SIZE.entries()].find(([, bits]) => bits === size)?.[0] ?? null) as CertificateCurve | null;
  if (curve === null) throw badParameter("key_props.key_size for an EC key must be 256, 384 or 521 (or give key_props.crv).");
  return curve;
}

const DNS_NAME = /^(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const OID = /^[0-2](?:\.(?:0|[1-9]\d*))+$/;

function sanList(values: string[] | undefined, field: string, valid: (v: string) => boolean): string[] {
  const list = values ?? [];
  if (list.length > MAX_SAN_ENTRIES) throw badParameter(`x509_props.sans.${field} may hold at most ${MAX_SAN_ENTRIES} names.`);
  for (const value of list) {
    if (!valid(value)) throw badParameter(`x509_props.sans.${field} holds '${value}', which is not a valid ${field} entry.`);
  }
  return [...list];
}

function isUri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1 && !/\s/.test(value);
  } catch {
    return false;
  }
}

function subjectAlternativeNames(input: Partial<SubjectAlternativeNames>): SubjectAlternativeNames {
  return {
    emails: sanList(input.emails, "emails", (v) => EMAIL.test(v)),
    dnsNames: sanList(input.dnsNames, "dns_names", (v) => v.length <= 253 && DNS_NAME.test(v)),
    upns: sanList(input.upns, "upns", (v) => EMAIL.test(v)),
    uris: sanList(input.uris, "uris", isUri),
    ipAddresses: sanList(input.ipAddresses, "ipAddresses", (v) => isIP(v) !== 0),
  };
}

function x509Properties(input: NonNullable<CertificatePolicyInput["x509"]>, family: "RSA" | "EC"): CertificatePolicy["x509"] {
  const subject = input.subject ?? "";
  if (subject !== "") parseX500Name(subject);
  const sans = subjectAlternativeNames(input.sans ?? {});
  if (subject === "" && [sans.emails, sans.dnsNames, sans.upns, sans.uris, sans.ipAddresses].every((names) => names.length === 0)) {
    throw badParameter("A certificate policy needs x509_props.subject or at least one subject alternative name (x509_props.sans).");
  }
  const ekus = input.ekus ?? [...DEFAULT_EKUS];
  for (const eku of ekus)
    if (!OID.test(eku)) throw badParameter(`x509_props.ekus holds '${eku}', which is not an OID such as 1.3.6.1.5.5.7.3.1.`);
  const keyUsage = (input.keyUsage ?? DEFAULT_KEY_USAGE[family]).map((usage) =>
    oneOf(KEY_USAGE_NAMES, usage, "Each of x509_props.key_usage"),
  );
  return {
    subject,
    sans,
    ekus: [...new Set(ekus)],
    keyUsage: [...new Set(keyUsage)],
    validityMonths: integerIn(input.validityMonths ?? DEFAULT_VALIDITY_MONTHS, 1, MAX_VALIDITY_MONTHS, "x509_props.validity_months"),
  };
}

function issuerName(name: string | undefined): string {
  const trimmed = (name ?? UNKNOWN_ISSUER).trim();
  if (trimmed === "") throw badParameter("issuer.name must not be empty.");
  // Self and Unknown are matched without regard to case, as Azure does, and stored as Azure writes them.
  for (const known of [SELF_ISSUER, UNKNOWN_ISSUER]) if (trimmed.toLowerCase() === known.toLowerCase()) return known;
  return trimmed;
}

function lifetimeActions(
  input: CertificatePolicyInput["lifetimeActions"],
  issuer: string,
  validityMonths: number,
): CertificateLifetimeAction[] {
  // Without actions, Azure renews at 80 % of the lifetime where it can issue, and emails the contacts where it cannot.
  const defaultAction: LifetimeActionType = issuer === UNKNOWN_ISSUER ? "EmailContacts" : "AutoRenew";
  if (input === undefined) return [{ trigger: { lifetimePercentage: DEFAULT_RENEWAL_PERCENTAGE }, action: defaultAction }];
  const maxDays = validityMonths * DAYS_PER_VALIDITY_MONTH;
  const seen = new Set<LifetimeActionType>();
  return input.map(({ trigger, action: type }): CertificateLifetimeAction => {
    if (type === undefined) throw badParameter("Each lifetime action needs action.action_type: AutoRenew or EmailContacts.");
    const action = oneOf(LIFETIME_ACTION_TYPES, type, "lifetime_actions[].action.action_type");
    if (seen.has(action)) throw badParameter(`A certificate policy may have only one ${action} lifetime action.`);
    seen.add(action);
    if (action === "AutoRenew" && issuer === UNKNOWN_ISSUER) {
      throw badParameter(
        "AutoRenew is not supported for issuer Unknown: its certificates are signed outside the vault; use EmailContacts.",
      );
    }
    const { lifetimePercentage, daysBeforeExpiry } = trigger;
    if ((lifetimePercentage === undefined) === (daysBeforeExpiry === undefined)) {
      throw badParameter("Each lifetime action's trigger needs exactly one of lifetime_percentage and days_before_expiry.");
    }
    if (lifetimePercentage !== undefined) {
      return { trigger: { lifetimePercentage: integerIn(lifetimePercentage, 1, 99, "trigger.lifetime_percentage") }, action };
    }
    return {
      trigger: { daysBeforeExpiry: integerIn(daysBeforeExpiry!, 1, maxDays, "trigger.days_before_expiry (at most validity_months × 27)") },
      action,
    };
  });
}

/** A whole policy from a request's partial one, with Azure's defaults, or BadParameter naming what is wrong. */
export function completePolicy(input: CertificatePolicyInput, now: number): CertificatePolicy {
  const key = keyProperties(input.key ?? {});
  const x509 = x509Properties(input.x509 ?? {}, key.type.startsWith("EC") ? "EC" : "RSA");
  const name = issuerName(input.issuer?.name);
  const certificateType = input.issuer?.certificateType ?? null;
  if (certificateType !== null && name === SELF_ISSUER) throw badParameter("issuer.cty (certificate type) does not apply to issuer Self.");
  return {
    key,
    secret: {
      contentType: oneOf(CERTIFICATE_CONTENT_TYPES, input.secret?.contentType ?? CERTIFICATE_CONTENT_TYPES[0], "secret_props.contentType"),
    },
    x509,
    lifetimeActions: lifetimeActions(input.lifetimeActions, name, x509.validityMonths),
    issuer: { name, certificateType, certificateTransparency: input.issuer?.certificateTransparency ?? null },
    enabled: input.enabled ?? true,
    created: now,
    updated: now,
  };
}

/** A stored policy as input again, so that an update can be laid over it and the result checked as a whole. */
function asInput(policy: CertificatePolicy): CertificatePolicyInput {
  return {
    key: { ...policy.key, curve: policy.key.curve ?? undefined },
    secret: { ...policy.secret },
    x509: { ...policy.x509, subject: policy.x509.subject === "" ? undefined : policy.x509.subject, sans: { ...policy.x509.sans } },
    lifetimeActions: policy.lifetimeActions.map((a) => ({ trigger: { ...a.trigger }, action: a.action })),
    issuer: {
      name: policy.issuer.name,
      certificateType: policy.issuer.certificateType ?? undefined,
      certificateTransparency: policy.issuer.certificateTransparency ?? undefined,
    },
    enabled: policy.enabled,
  };
}

/** Only the fields the patch gives; a list given replaces the stored list. */
function overlay<T extends object>(stored: T | undefined, patch: Partial<T> | undefined): T | undefined {
  if (patch === undefined) return stored;
  const merged = { ...stored } as Record<string, unknown>;
  for (const [field, value] of Object.entries(patch)) if (value !== undefined) merged[field] = value;
  return merged as T;
}

/**
 * PATCH …/policy: the fields present replace the stored ones and the rest are kept, as Azure merges. A new key
 * type drops the stored size and curve unless the patch gives them, so RSA → EC does not keep 2048 bits.
 */
export function mergePolicy(stored: CertificatePolicy, patch: CertificatePolicyInput, now: number): CertificatePolicy {
  const base = asInput(stored);
  const key = overlay(base.key, patch.key)!;
  if (patch.key?.type !== undefined && patch.key.type !== stored.key.type) {
    key.size = patch.key.size;
    key.curve = patch.key.curve;
    if (patch.key.exportable === undefined) delete key.exportable;
  }
  const x509 = overlay(base.x509, patch.x509)!;
  x509.sans = overlay(base.x509!.sans, patch.x509?.sans);
  const merged: CertificatePolicyInput = {
    key,
    secret: overlay(base.secret, patch.secret),
    x509,
    lifetimeActions: patch.lifetimeActions ?? base.lifetimeActions,
    issuer: overlay(base.issuer, patch.issuer),
    enabled: patch.enabled ?? base.enabled,
  };
  return { ...completePolicy(merged, now), created: stored.created };
}
