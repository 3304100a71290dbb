import { createHash } from "node:crypto";
import { badParameter } from "../../errors/key-vault-error.js";
import type { ObjectState, ObjectSummary, ObjectVersionRecord } from "../../storage/records.js";
import type { CertificateContent } from "../../crypto/x509/certificate-content.js";
import type { CertificateContact } from "../../vault/certificate-contacts.js";
import type { AdministratorDetails, CertificateIssuer, CertificateIssuerInput } from "../../vault/certificate-issuer.js";
import type { CertificateOperation } from "../../vault/certificate-operation.js";
import type { CertificatePolicy, CertificatePolicyInput } from "../../vault/certificate-policy.js";
import { type WireContext, attributesJson, deletedFields, objectId, parseAttributePatch, parseNewAttributes } from "./object-wire.js";
import { type Json, asObject, optionalBoolean, optionalObject, optionalString, optionalStringArray, requiredString } from "./parse.js";

/**
 * Translation between Azure's certificate JSON (CertificateBundle, CertificateItem, CertificatePolicy,
 * CertificateOperation, IssuerBundle, Contacts and the request bodies) and the domain. Types are checked here;
 * values (key sizes, curves, limits) are the policy's business.
 */

function text(value: unknown, field: string): string | undefined {
  return optionalString(value, field) ?? undefined;
}

function integer(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw badParameter(`The parameter '${field}' must be an integer.`);
  return value;
}

function list(value: unknown, field: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badParameter(`The parameter '${field}' must be an array.`);
  return value as unknown[];
}

/** Standard base64 (as `cer`, `x5c` and PFX values are written), whitespace allowed between lines. */
function base64(value: unknown, field: string): Buffer {
  const compact = requiredString(value, field).replace(/\s+/g, "");
  if (compact === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw badParameter(`The parameter '${field}' must be base64 encoded.`);
  return Buffer.from(compact, "base64");
}

/** Keeps a request's policy fields whose value is not undefined, so that a merge can tell "absent" from "given". */
function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as T;
}

function parseLifetimeAction(raw: unknown, field: string): NonNullable<CertificatePolicyInput["lifetimeActions"]>[number] {
  const item = asObject(raw, field);
  const trigger = optionalObject(item.trigger, `${field}.trigger`) ?? {};
  const action = optionalObject(item.action, `${field}.action`) ?? {};
  return {
    trigger: defined({
      lifetimePercentage: integer(trigger.lifetime_percentage, `${field}.trigger.lifetime_percentage`),
      daysBeforeExpiry: integer(trigger.days_before_expiry, `${field}.trigger.days_before_expiry`),
    }),
    action: text(action.action_type, `${field}.action.action_type`),
  };
}

/** A CertificatePolicy body (create, import, update, PATCH …/policy); `field` names it in errors. */
export function parseCertificatePolicy(value: unknown, field: string): CertificatePolicyInput {
  const json = asObject(value, field);
  const at = (name: string) => (field === "policy" ? `policy.${name}` : name);
  const policy: CertificatePolicyInput = {};
  const key = optionalObject(json.key_props, at("key_props"));
  if (key) {
    policy.key = defined({
      type: text(key.kty, at("key_props.kty")),
      size: integer(key.key_size, at("key_props.key_size")),
      curve: text(key.crv, at("key_props.crv")),
      exportable: optionalBoolean(key.exportable, at("key_props.exportable")),
      reuseKey: optionalBoolean(key.reuse_key, at("key_props.reuse_key")),
    });
  }
  const secret = optionalObject(json.secret_props, at("secret_props"));
  if (secret) policy.secret = defined({ contentType: text(secret.contentType, at("secret_props.contentType")) });
  const x509 = optionalObject(json.x509_props, at("x509_props"));
  if (x509) {
    const sans = optionalObject(x509.sans, at("x509_props.sans"));
    policy.x509 = defined({
      subject: text(x509.subject, at("x509_props.subject")),
      sans: sans
        ? defined({
            emails: optionalStringArray(sans.emails, at("x509_props.sans.emails")),
            dnsNames: optionalStringArray(sans.dns_names, at("x509_props.sans.dns_names")),
            upns: optionalStringArray(sans.upns, at("x509_props.sans.upns")),
            uris: optionalStringArray(sans.uris, at("x509_props.sans.uris")),
            ipAddresses: optionalStringArray(sans.ipAddresses, at("x509_props.sans.ipAddresses")),
          })
        : undefined,
      ekus: optionalStringArray(x509.ekus, at("x509_props.ekus")),
      keyUsage: optionalStringArray(x509.key_usage, at("x509_props.key_usage")),
      validityMonths: integer(x509.validity_months, at("x509_props.validity_months")),
    });
  }
  const actions = list(json.lifetime_actions, at("lifetime_actions"));
  if (actions) policy.lifetimeActions = actions.map((raw, i) => parseLifetimeAction(raw, at(`lifetime_actions[${i}]`)));
  const issuer = optionalObject(json.issuer, at("issuer"));
  if (issuer) {
    policy.issuer = defined({
      name: text(issuer.name, at("issuer.name")),
      certificateType: text(issuer.cty, at("issuer.cty")),
      certificateTransparency: optionalBoolean(issuer.cert_transparency, at("issuer.cert_transparency")),
    });
  }
  const enabled = optionalBoolean(optionalObject(json.attributes, at("attributes"))?.enabled, at("attributes.enabled"));
  if (enabled !== undefined) policy.enabled = enabled;
  return policy;
}

function optionalPolicy(value: unknown): CertificatePolicyInput | undefined {
  return value === undefined || value === null ? undefined : parseCertificatePolicy(value, "policy");
}

/** What a create or import takes besides its policy: enabled (default true) and tags. */
export interface NewCertificateFields {
  enabled: boolean;
  tags: Record<string, string> | null;
  preserveCertOrder: boolean;
}

function newFields(json: Json): NewCertificateFields {
  // nbf and exp come from the certificate itself; the ones a request gives are type-checked and not used.
  const { enabled, tags } = parseNewAttributes(json);
  return { enabled, tags, preserveCertOrder: optionalBoolean(json.preserveCertOrder, "preserveCertOrder") ?? false };
}

/** CertificateCreateParameters; without a policy, a new version of an existing certificate uses the stored one. */
export function parseCertificateCreate(body: unknown): NewCertificateFields & { policy: CertificatePolicyInput | undefined } {
  const json = asObject(body ?? {}, "The request body");
  return { ...newFields(json), policy: optionalPolicy(json.policy) };
}

/** CertificateImportParameters: `value` is PEM text or base64 PFX, `pwd` the PFX's password. */
export function parseCertificateImport(
  body: unknown,
): NewCertificateFields & { content: CertificateContent; password: string | null; policy: CertificatePolicyInput | undefined } {
  const json = asObject(body, "The request body");
  const value = requiredString(json.value, "value");
  const content: CertificateContent = value.includes("-----BEGIN ")
    ? { format: "pem", text: value }
    : { format: "pkcs12", der: base64(value, "value") };
  return { ...newFields(json), content, password: text(json.pwd, "pwd") ?? null, policy: optionalPolicy(json.policy) };
}

/** CertificateUpdateParameters: attributes and tags as any update; a policy given is merged onto the stored one. */
export function parseCertificateUpdate(body: unknown): ReturnType<typeof parseAttributePatch> & { policy?: CertificatePolicyInput } {
  const json = asObject(body ?? {}, "The request body");
  const patch: ReturnType<typeof parseCertificateUpdate> = parseAttributePatch(json);
  const policy = optionalPolicy(json.policy);
  if (policy) patch.policy = policy;
  return patch;
}

/** PATCH …/policy: the body is the (partial) policy itself. */
export function parsePolicyUpdate(body: unknown): CertificatePolicyInput {
  return parseCertificatePolicy(body, "The request body");
}

/** CertificateMergeParameters: the signed chain (leaf first) as base64 DER, with the certificate's enabled and tags. */
export function parseCertificateMerge(body: unknown): { chain: Buffer[]; enabled: boolean; tags: Record<string, string> | null } {
  const json = asObject(body, "The request body");
  const x5c = list(json.x5c, "x5c");
  if (!x5c || x5c.length === 0) throw badParameter("The parameter 'x5c' is required and must hold at least one certificate.");
  const { enabled, tags } = parseNewAttributes(json);
  return { chain: x5c.map((cert, i) => base64(cert, `x5c[${i}]`)), enabled, tags };
}

/** CertificateOperationUpdateParameter (PATCH …/pending). */
export function parseOperationUpdate(body: unknown): { cancellationRequested: boolean } {
  const json = asObject(body, "The request body");
  const requested = optionalBoolean(json.cancellation_requested, "cancellation_requested");
  if (requested === undefined) throw badParameter("The parameter 'cancellation_requested' is required and must be a boolean.");
  return { cancellationRequested: requested };
}

function parseAdmin(raw: unknown, field: string): AdministratorDetails {
  const admin = asObject(raw, field);
  return {
    firstName: text(admin.first_name, `${field}.first_name`) ?? null,
    lastName: text(admin.last_name, `${field}.last_name`) ?? null,
    email: text(admin.email, `${field}.email`) ?? null,
    phone: text(admin.phone, `${field}.phone`) ?? null,
  };
}

/** CertificateIssuerSetParameters (PUT: provider required) and CertificateIssuerUpdateParameters (PATCH). */
export function parseIssuer(body: unknown, mode: "set" | "update"): CertificateIssuerInput {
  const json = asObject(body, "The request body");
  const issuer: CertificateIssuerInput = {};
  const provider = mode === "set" ? requiredString(json.provider, "provider") : text(json.provider, "provider");
  if (provider !== undefined) {
    if (provider.trim() === "") throw badParameter("The parameter 'provider' must not be empty.");
    issuer.provider = provider;
  }
  const credentials = optionalObject(json.credentials, "credentials");
  if (credentials) {
    issuer.credentials = defined({
      accountId: text(credentials.account_id, "credentials.account_id"),
      password: text(credentials.pwd, "credentials.pwd"),
    });
  }
  const org = optionalObject(json.org_details, "org_details");
  if (org) {
    issuer.organization = defined({
      id: text(org.id, "org_details.id"),
      admins: list(org.admin_details, "org_details.admin_details")?.map((a, i) => parseAdmin(a, `org_details.admin_details[${i}]`)),
    });
  }
  const enabled = optionalBoolean(optionalObject(json.attributes, "attributes")?.enabled, "attributes.enabled");
  if (enabled !== undefined) issuer.enabled = enabled;
  return issuer;
}

/** Contacts (PUT /certificates/contacts): each contact gives at least one of email, name and phone. */
export function parseContacts(body: unknown): CertificateContact[] {
  const json = asObject(body, "The request body");
  const contacts = list(json.contacts, "contacts");
  if (!contacts || contacts.length === 0) {
    throw badParameter("The parameter 'contacts' must list at least one contact; DELETE /certificates/contacts removes them all.");
  }
  return contacts.map((raw, i) => {
    const item = asObject(raw, `contacts[${i}]`);
    const contact = {
      email: text(item.email, `contacts[${i}].email`) ?? null,
      name: text(item.name, `contacts[${i}].name`) ?? null,
      phone: text(item.phone, `contacts[${i}].phone`) ?? null,
    };
    if (contact.email === null && contact.name === null && contact.phone === null) {
      throw badParameter(`contacts[${i}] must give at least one of email, name and phone.`);
    }
    return contact;
  });
}

/** The "x5t" of a certificate: the base64url SHA-1 digest of its DER encoding (RFC 7515 §4.1.7). */
export function x5t(der: Buffer): string {
  return createHash("sha1").update(der).digest("base64url");
}

const policyId = (base: string, name: string) => `${base}/certificates/${name}/policy`;

function nonEmpty(values: string[]): string[] | undefined {
  return values.length > 0 ? values : undefined;
}

export function certificatePolicyJson(base: string, name: string, policy: CertificatePolicy): object {
  const { key, x509, issuer } = policy;
  const sans = {
    emails: nonEmpty(x509.sans.emails),
    dns_names: nonEmpty(x509.sans.dnsNames),
    upns: nonEmpty(x509.sans.upns),
    uris: nonEmpty(x509.sans.uris),
    ipAddresses: nonEmpty(x509.sans.ipAddresses),
  };
  return {
    id: policyId(base, name),
    key_props: { exportable: key.exportable, kty: key.type, key_size: key.size, reuse_key: key.reuseKey, crv: key.curve ?? undefined },
    secret_props: { contentType: policy.secret.contentType },
    x509_props: {
      subject: x509.subject === "" ? undefined : x509.subject,
      sans: Object.values(sans).some((v) => v !== undefined) ? sans : undefined,
      ekus: x509.ekus,
      key_usage: x509.keyUsage,
      validity_months: x509.validityMonths,
    },
    lifetime_actions: policy.lifetimeActions.map((a) => ({
      trigger:
        "lifetimePercentage" in a.trigger
          ? { lifetime_percentage: a.trigger.lifetimePercentage }
          : { days_before_expiry: a.trigger.daysBeforeExpiry },
      action: { action_type: a.action },
    })),
    issuer: { name: issuer.name, cty: issuer.certificateType ?? undefined, cert_transparency: issuer.certificateTransparency ?? undefined },
    attributes: { enabled: policy.enabled, created: policy.created, updated: policy.updated },
  };
}

/** One certificate version as the server holds it: its record, the leaf certificate's DER, and the policy if shown. */
export interface CertificateView {
  record: ObjectVersionRecord;
  /** null while the version waits for its certificate (a CSR to merge). */
  der: Buffer | null;
  policy: CertificatePolicy | null;
  /** Whether the name has a create operation to report. */
  pending: boolean;
}

const versioned = (base: string, collection: "keys" | "secrets", r: ObjectVersionRecord) => `${base}/${collection}/${r.name}/${r.version}`;

/**
 * A CertificateBundle: the certificate (`cer`), the ids of its key and secret, and its policy. A version still
 * waiting for its certificate has neither certificate, key nor secret yet, and Azure shows only its id and dates.
 */
export function certificateBundle(w: WireContext, view: CertificateView): object {
  const r = view.record;
  const issued = view.der !== null;
  return {
    id: objectId(w.base, r),
    kid: issued ? versioned(w.base, "keys", r) : undefined,
    sid: issued ? versioned(w.base, "secrets", r) : undefined,
    x5t: view.der ? x5t(view.der) : undefined,
    cer: view.der?.toString("base64"),
    contentType: view.policy?.secret.contentType,
    attributes: attributesJson(w, r),
    policy: view.policy ? certificatePolicyJson(w.base, r.name, view.policy) : undefined,
    pending: view.pending ? { id: `${w.base}/certificates/${r.name}/pending` } : undefined,
    tags: r.tags ?? undefined,
  };
}

export function deletedCertificateBundle(w: WireContext, view: CertificateView, state: ObjectState | undefined): object {
  return { ...deletedFields(w, view.record, state), ...certificateBundle(w, view) };
}

/** A CertificateItem: the id (with the version only in a list of versions), its thumbprint, attributes and tags. */
export function certificateItem(w: WireContext, r: ObjectVersionRecord, der: Buffer | null, withVersion: boolean): object {
  return {
    id: objectId(w.base, r, withVersion),
    x5t: der ? x5t(der) : undefined,
    attributes: attributesJson(w, r),
    tags: r.tags ?? undefined,
  };
}

export function deletedCertificateItem(w: WireContext, s: ObjectSummary, der: Buffer | null): object {
  return { ...deletedFields(w, s.latest, s.state), ...certificateItem(w, s.latest, der, false) };
}

/** A CertificateOperation; its id `…/certificates/{name}/pending` is what the SDK parses the name from. */
export function certificateOperationJson(base: string, name: string, op: CertificateOperation): object {
  return {
    id: `${base}/certificates/${name}/pending`,
    issuer: {
      name: op.issuer.name,
      cty: op.issuer.certificateType ?? undefined,
      cert_transparency: op.issuer.certificateTransparency ?? undefined,
    },
    csr: op.csr?.toString("base64"),
    cancellation_requested: op.cancellationRequested,
    status: op.status,
    status_details: op.statusDetails ?? undefined,
    error: op.error ?? undefined,
    target: op.target ?? undefined,
    request_id: op.requestId,
  };
}

const issuerId = (base: string, name: string) => `${base}/certificates/issuers/${name}`;

/** An IssuerBundle. The account password is write-only: Azure never returns it, and neither does Keyhold. */
export function issuerBundle(base: string, name: string, issuer: CertificateIssuer): object {
  return {
    id: issuerId(base, name),
    provider: issuer.provider,
    credentials: issuer.credentials ? { account_id: issuer.credentials.accountId ?? undefined } : undefined,
    org_details: issuer.organization
      ? {
          id: issuer.organization.id ?? undefined,
          admin_details: issuer.organization.admins.map((a) => ({
            first_name: a.firstName ?? undefined,
            last_name: a.lastName ?? undefined,
            email: a.email ?? undefined,
            phone: a.phone ?? undefined,
          })),
        }
      : undefined,
    attributes: { enabled: issuer.enabled, created: issuer.created, updated: issuer.updated },
  };
}

export function issuerItem(base: string, name: string, issuer: Pick<CertificateIssuer, "provider">): object {
  return { id: issuerId(base, name), provider: issuer.provider };
}

export function contactsJson(base: string, contacts: CertificateContact[]): object {
  return {
    id: `${base}/certificates/contacts`,
    contacts: contacts.map((c) => ({ email: c.email ?? undefined, name: c.name ?? undefined, phone: c.phone ?? undefined })),
  };
}
