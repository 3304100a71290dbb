import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { ApiVersions } from "../../src/server/api-version.js";
import {
  certificateBundle,
  certificateItem,
  certificateOperationJson,
  certificatePolicyJson,
  contactsJson,
  deletedCertificateBundle,
  deletedCertificateItem,
  issuerBundle,
  issuerItem,
  parseCertificateCreate,
  parseCertificateImport,
  parseCertificateMerge,
  parseCertificateUpdate,
  parseContacts,
  parseIssuer,
  parseOperationUpdate,
  parsePolicyUpdate,
  x5t,
} from "../../src/server/wire/certificate-wire.js";
import type { WireContext } from "../../src/server/wire/object-wire.js";
import type { ObjectVersionRecord } from "../../src/storage/records.js";
import { completePolicy } from "../../src/vault/certificate-policy.js";

const BASE = "https://myvault.vault.azure.net";
const versions = new ApiVersions({ serveNewerAsLatest: false });
const vault = {
  name: "myvault",
  createdAt: 0,
  retentionDays: 90,
  purgeProtection: false,
  enableRbacAuthorization: true,
  sku: "standard" as const,
  createdBy: "x",
};
const wire = (apiVersion: string): WireContext => ({ base: BASE, vault, shape: versions.resolve(apiVersion) });
const W = wire("2025-07-01");

function refuses(run: () => unknown, mentions: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof KeyVaultError, String(e));
    assert.deepEqual([e.status, e.code], [400, "BadParameter"]);
    assert.match(e.message, mentions);
    return true;
  });
}

/** JSON as a client receives it: undefined fields are not sent. */
const sent = (value: object) => JSON.parse(JSON.stringify(value)) as unknown;

/** The policy of the spec's certificate examples, as the service writes it. */
const EXAMPLE_POLICY_JSON = {
  id: `${BASE}/certificates/getDeletedCert/policy`,
  key_props: { exportable: true, kty: "RSA", key_size: 2048, reuse_key: false },
  secret_props: { contentType: "application/x-pkcs12" },
  x509_props: { subject: "CN=KeyVaultTest", ekus: [], key_usage: [], validity_months: 297 },
  lifetime_actions: [{ trigger: { lifetime_percentage: 80 }, action: { action_type: "EmailContacts" } }],
  issuer: { name: "Unknown" },
  attributes: { enabled: true, created: 1493938289, updated: 1493938291 },
};

const record = (over: Partial<ObjectVersionRecord> = {}): ObjectVersionRecord => ({
  vault: "myvault",
  kind: "certificate",
  name: "getDeletedCert",
  version: "f60f2a4f8ae442cfb41ca2090bd4b769",
  seq: 1,
  created: 1493938289,
  updated: 1493938291,
  enabled: true,
  notBefore: 1430344421,
  expires: 2208988799,
  tags: null,
  contentType: null,
  keyOps: null,
  publicData: null,
  sealed: Buffer.alloc(0),
  managed: false,
  backendRef: null,
  ...over,
});

const DER = Buffer.from("3082010a0282010100c0ffee", "hex");

describe("certificate policy on the wire", () => {
  it("reads a policy and writes it back in the shape of Azure's examples", () => {
    const input = parsePolicyUpdate(EXAMPLE_POLICY_JSON);
    const policy = { ...completePolicy(input, 1493938289), updated: 1493938291 };
    assert.deepEqual(sent(certificatePolicyJson(BASE, "getDeletedCert", policy)), EXAMPLE_POLICY_JSON);
  });

  it("writes an EC policy's curve, its SANs (non-empty lists only), trigger by days and the issuer's cty", () => {
    const policy = completePolicy(
      {
        key: { type: "EC-HSM", curve: "P-384" },
        x509: { sans: { dnsNames: ["a.example.com"], upns: [] } },
        lifetimeActions: [{ trigger: { daysBeforeExpiry: 30 }, action: "AutoRenew" }],
        issuer: { name: "digicert01", certificateType: "OV-SSL", certificateTransparency: false },
      },
      10,
    );
    assert.deepEqual(sent(certificatePolicyJson(BASE, "c", policy)), {
      id: `${BASE}/certificates/c/policy`,
      key_props: { exportable: false, kty: "EC-HSM", key_size: 384, reuse_key: false, crv: "P-384" },
      secret_props: { contentType: "application/x-pkcs12" },
      x509_props: {
        sans: { dns_names: ["a.example.com"] },
        ekus: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
        key_usage: ["digitalSignature"],
        validity_months: 12,
      },
      lifetime_actions: [{ trigger: { days_before_expiry: 30 }, action: { action_type: "AutoRenew" } }],
      issuer: { name: "digicert01", cty: "OV-SSL", cert_transparency: false },
      attributes: { enabled: true, created: 10, updated: 10 },
    });
  });

  it("reads every field a client sends into the domain's names, and leaves absent fields absent", () => {
    const input = parsePolicyUpdate({
      key_props: { kty: "EC", key_size: 256, crv: "P-256", exportable: false, reuse_key: true },
      secret_props: { contentType: "application/x-pem-file" },
      x509_props: {
        subject: "CN=a",
        sans: { emails: ["e@x.com"], dns_names: ["x.com"], upns: ["u@x.com"], uris: ["https://x.com"], ipAddresses: ["10.0.0.1"] },
        ekus: ["1.2.3"],
        key_usage: ["keyAgreement"],
        validity_months: 6,
      },
      lifetime_actions: [{ trigger: { days_before_expiry: 7 }, action: { action_type: "EmailContacts" } }],
      issuer: { name: "Self", cert_transparency: true },
      attributes: { enabled: false },
    });
    assert.deepEqual(input, {
      key: { type: "EC", size: 256, curve: "P-256", exportable: false, reuseKey: true },
      secret: { contentType: "application/x-pem-file" },
      x509: {
        subject: "CN=a",
        sans: { emails: ["e@x.com"], dnsNames: ["x.com"], upns: ["u@x.com"], uris: ["https://x.com"], ipAddresses: ["10.0.0.1"] },
        ekus: ["1.2.3"],
        keyUsage: ["keyAgreement"],
        validityMonths: 6,
      },
      lifetimeActions: [{ trigger: { daysBeforeExpiry: 7 }, action: "EmailContacts" }],
      issuer: { name: "Self", certificateTransparency: true },
      enabled: false,
    });
    assert.deepEqual(parsePolicyUpdate({ x509_props: { subject: "CN=b", sans: null } }), { x509: { subject: "CN=b" } });
    assert.deepEqual(parsePolicyUpdate({ key_props: {}, issuer: { name: null } }), { key: {}, issuer: {} });
  });

  const wrongTypes: [string, unknown, RegExp][] = [
    ["a policy that is not an object", { policy: [] }, /policy must be a JSON object/],
    ["key_props that is a string", { policy: { key_props: "RSA" } }, /policy\.key_props must be a JSON object/],
    ["kty that is an object", { policy: { key_props: { kty: { toString: 1 } } } }, /'policy\.key_props\.kty' must be a string/],
    ["key_size that is a string", { policy: { key_props: { key_size: "2048" } } }, /'policy\.key_props\.key_size' must be an integer/],
    ["key_size with a fraction", { policy: { key_props: { key_size: 2048.5 } } }, /key_size/],
    ["exportable that is a string", { policy: { key_props: { exportable: "true" } } }, /'policy\.key_props\.exportable' must be a boolean/],
    ["reuse_key that is a number", { policy: { key_props: { reuse_key: 1 } } }, /reuse_key/],
    ["contentType that is a number", { policy: { secret_props: { contentType: 1 } } }, /secret_props\.contentType/],
    ["subject that is an array", { policy: { x509_props: { subject: ["CN=a"] } } }, /x509_props\.subject/],
    [
      "dns_names that is a string",
      { policy: { x509_props: { sans: { dns_names: "a.com" } } } },
      /x509_props\.sans\.dns_names' must be an array of strings/,
    ],
    ["ekus holding a number", { policy: { x509_props: { ekus: [1] } } }, /x509_props\.ekus/],
    ["key_usage that is an object", { policy: { x509_props: { key_usage: {} } } }, /x509_props\.key_usage/],
    ["validity_months that is a string", { policy: { x509_props: { validity_months: "12" } } }, /validity_months' must be an integer/],
    ["lifetime_actions that is an object", { policy: { lifetime_actions: {} } }, /'policy\.lifetime_actions' must be an array/],
    ["a lifetime action that is a string", { policy: { lifetime_actions: ["x"] } }, /lifetime_actions\[0\] must be a JSON object/],
    [
      "a trigger percentage that is a string",
      { policy: { lifetime_actions: [{ trigger: { lifetime_percentage: "80" } }] } },
      /lifetime_actions\[0\]\.trigger\.lifetime_percentage/,
    ],
    [
      "an action_type that is an object",
      { policy: { lifetime_actions: [{ action: { action_type: { toString: 1 } } }] } },
      /action\.action_type/,
    ],
    ["issuer name that is a number", { policy: { issuer: { name: 5 } } }, /'policy\.issuer\.name' must be a string/],
    ["cert_transparency that is a string", { policy: { issuer: { cert_transparency: "no" } } }, /cert_transparency/],
    ["policy attributes.enabled that is a string", { policy: { attributes: { enabled: "yes" } } }, /policy\.attributes\.enabled/],
    ["tags with a number", { tags: { a: 1 } }, /tag 'a'/],
    ["attributes.enabled that is a string", { attributes: { enabled: "true" } }, /'attributes\.enabled'/],
    ["preserveCertOrder that is a string", { preserveCertOrder: "true" }, /preserveCertOrder/],
  ];
  for (const [what, body, mentions] of wrongTypes) {
    it(`refuses ${what} in a create`, () => refuses(() => parseCertificateCreate(body), mentions));
  }

  it("names fields without the policy prefix when the body is the policy itself", () => {
    refuses(() => parsePolicyUpdate({ key_props: { kty: 5 } }), /'key_props\.kty' must be a string/);
    refuses(() => parsePolicyUpdate("x"), /The request body must be a JSON object/);
  });
});

describe("certificate request bodies", () => {
  it("reads a create: policy, enabled (default true), tags and preserveCertOrder", () => {
    assert.deepEqual(
      parseCertificateCreate({ policy: { issuer: { name: "Self" }, x509_props: { subject: "cn=MyCert" } }, tags: { t: "v" } }),
      {
        enabled: true,
        tags: { t: "v" },
        preserveCertOrder: false,
        policy: { issuer: { name: "Self" }, x509: { subject: "cn=MyCert" } },
      },
    );
    assert.deepEqual(parseCertificateCreate({ attributes: { enabled: false }, preserveCertOrder: true }), {
      enabled: false,
      tags: null,
      preserveCertOrder: true,
      policy: undefined,
    });
    assert.equal(parseCertificateCreate(undefined).policy, undefined);
  });

  it("reads an import of PEM text as text, and of base64 PFX as bytes, with its password", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    assert.deepEqual(parseCertificateImport({ value: pem }).content, { format: "pem", text: pem });
    const pfx = Buffer.from([0x30, 0x82, 0x01, 0xff, 0xfe]);
    const imported = parseCertificateImport({
      value: pfx.toString("base64"),
      pwd: "p",
      policy: { secret_props: { contentType: "application/x-pkcs12" } },
    });
    assert.deepEqual(imported.content, { format: "pkcs12", der: pfx });
    assert.equal(imported.password, "p");
    assert.deepEqual(imported.policy, { secret: { contentType: "application/x-pkcs12" } });
    assert.deepEqual(
      parseCertificateImport({ value: `${pfx.toString("base64").slice(0, 4)}\n${pfx.toString("base64").slice(4)}` }).content,
      { format: "pkcs12", der: pfx },
    );
  });

  it("refuses an import without a value, with a value that is neither PEM nor base64, or a password that is not a string", () => {
    refuses(() => parseCertificateImport({}), /'value' is required/);
    refuses(() => parseCertificateImport({ value: 5 }), /'value' is required and must be a string/);
    refuses(() => parseCertificateImport({ value: "not base64!" }), /'value' must be base64 encoded/);
    refuses(() => parseCertificateImport({ value: "" }), /'value' must be base64/);
    refuses(() => parseCertificateImport({ value: "AAAA", pwd: 1234 }), /'pwd' must be a string/);
    refuses(() => parseCertificateImport(null), /The request body must be a JSON object/);
  });

  it("reads an update: only the attributes present, null clearing tags, and a partial policy", () => {
    assert.deepEqual(parseCertificateUpdate({ attributes: { enabled: false }, tags: null }), { enabled: false, tags: null });
    assert.deepEqual(parseCertificateUpdate({ policy: { x509_props: { validity_months: 24 } } }), {
      policy: { x509: { validityMonths: 24 } },
    });
    assert.deepEqual(parseCertificateUpdate(undefined), {});
    refuses(() => parseCertificateUpdate({ policy: "x" }), /policy must be a JSON object/);
  });

  it("reads a merge's chain as DER and refuses a missing, empty or non-base64 x5c", () => {
    const leaf = Buffer.from([1, 2, 3]);
    const ca = Buffer.from([4, 5, 6, 7]);
    assert.deepEqual(parseCertificateMerge({ x5c: [leaf.toString("base64"), ca.toString("base64")], tags: { a: "b" } }), {
      chain: [leaf, ca],
      enabled: true,
      tags: { a: "b" },
    });
    refuses(() => parseCertificateMerge({}), /'x5c' is required/);
    refuses(() => parseCertificateMerge({ x5c: [] }), /at least one certificate/);
    refuses(() => parseCertificateMerge({ x5c: "AAAA" }), /'x5c' must be an array/);
    refuses(() => parseCertificateMerge({ x5c: [7] }), /'x5c\[0\]' is required and must be a string/);
    refuses(() => parseCertificateMerge({ x5c: ["AAAA", "@@"] }), /'x5c\[1\]' must be base64/);
  });

  it("reads a cancellation and refuses one without a boolean", () => {
    assert.deepEqual(parseOperationUpdate({ cancellation_requested: true }), { cancellationRequested: true });
    refuses(() => parseOperationUpdate({}), /'cancellation_requested' is required/);
    refuses(() => parseOperationUpdate({ cancellation_requested: "true" }), /cancellation_requested/);
  });

  it("reads issuers: provider required to set, optional to update; credentials, organisation and enabled", () => {
    assert.deepEqual(
      parseIssuer(
        {
          provider: "Test",
          credentials: { account_id: "keyvaultuser", pwd: "secret" },
          org_details: {
            id: "o1",
            admin_details: [{ first_name: "John", last_name: "Doe", email: "admin@contoso.com", phone: "4255555555" }],
          },
          attributes: { enabled: true },
        },
        "set",
      ),
      {
        provider: "Test",
        credentials: { accountId: "keyvaultuser", password: "secret" },
        organization: { id: "o1", admins: [{ firstName: "John", lastName: "Doe", email: "admin@contoso.com", phone: "4255555555" }] },
        enabled: true,
      },
    );
    assert.deepEqual(parseIssuer({ attributes: { enabled: false } }, "update"), { enabled: false });
    refuses(() => parseIssuer({}, "set"), /'provider' is required/);
    refuses(() => parseIssuer({ provider: " " }, "update"), /'provider' must not be empty/);
    refuses(() => parseIssuer({ provider: "T", credentials: { pwd: 5 } }, "set"), /'credentials\.pwd' must be a string/);
    refuses(
      () => parseIssuer({ provider: "T", org_details: { admin_details: {} } }, "set"),
      /'org_details\.admin_details' must be an array/,
    );
    refuses(() => parseIssuer({ provider: "T", org_details: { admin_details: [{ email: 1 }] } }, "set"), /admin_details\[0\]\.email/);
  });

  it("reads contacts and refuses an empty list, a contact with nothing in it, or wrong types", () => {
    assert.deepEqual(parseContacts({ contacts: [{ email: "a@contoso.com", name: "A", phone: "1" }, { name: "B" }] }), [
      { email: "a@contoso.com", name: "A", phone: "1" },
      { email: null, name: "B", phone: null },
    ]);
    refuses(() => parseContacts({}), /'contacts' must list at least one contact/);
    refuses(() => parseContacts({ contacts: [] }), /at least one contact/);
    refuses(() => parseContacts({ contacts: [{}] }), /contacts\[0\] must give at least one of email, name and phone/);
    refuses(() => parseContacts({ contacts: [{ email: ["a"] }] }), /'contacts\[0\]\.email' must be a string/);
    refuses(() => parseContacts({ contacts: "a@b.c" }), /'contacts' must be an array/);
  });
});

describe("certificate responses", () => {
  const policy = { ...completePolicy(parsePolicyUpdate(EXAMPLE_POLICY_JSON), 1493938289), updated: 1493938291 };
  const view = { record: record(), der: DER, policy, pending: false };

  it("computes x5t as the base64url SHA-1 of the DER", () => {
    assert.equal(x5t(DER), createHash("sha1").update(DER).digest("base64url"));
    assert.equal(x5t(DER).length, 27);
  });

  it("writes a deleted certificate bundle in the shape of the spec's example", () => {
    const state = {
      vault: "myvault",
      kind: "certificate" as const,
      name: "getDeletedCert",
      deletedAt: 1493938292,
      scheduledPurge: 1501714292,
    };
    assert.deepEqual(sent(deletedCertificateBundle(W, view, state)), {
      recoveryId: `${BASE}/deletedcertificates/getDeletedCert`,
      deletedDate: 1493938292,
      scheduledPurgeDate: 1501714292,
      id: `${BASE}/certificates/getDeletedCert/f60f2a4f8ae442cfb41ca2090bd4b769`,
      kid: `${BASE}/keys/getDeletedCert/f60f2a4f8ae442cfb41ca2090bd4b769`,
      sid: `${BASE}/secrets/getDeletedCert/f60f2a4f8ae442cfb41ca2090bd4b769`,
      x5t: x5t(DER),
      cer: DER.toString("base64"),
      contentType: "application/x-pkcs12",
      attributes: {
        enabled: true,
        nbf: 1430344421,
        exp: 2208988799,
        created: 1493938289,
        updated: 1493938291,
        recoveryLevel: "Recoverable+Purgeable",
        recoverableDays: 90,
      },
      policy: EXAMPLE_POLICY_JSON,
    });
  });

  it("writes a bundle without policy when none is shown, with tags, and the pending link when there is an operation", () => {
    const json = sent(certificateBundle(W, { record: record({ tags: { a: "b" } }), der: DER, policy: null, pending: false })) as Record<
      string,
      unknown
    >;
    assert.equal(json.policy, undefined);
    assert.equal(json.contentType, undefined);
    assert.equal(json.pending, undefined);
    assert.deepEqual(json.tags, { a: "b" });
    const pending = sent(certificateBundle(W, { record: record(), der: DER, policy: null, pending: true })) as Record<string, unknown>;
    assert.deepEqual(pending.pending, { id: `${BASE}/certificates/getDeletedCert/pending` });
  });

  it("writes a version that waits for its certificate with its id and dates only: no cer, x5t, kid or sid", () => {
    const json = sent(certificateBundle(W, { record: record(), der: null, policy: null, pending: true })) as Record<string, unknown>;
    for (const field of ["cer", "x5t", "kid", "sid"]) assert.equal(json[field], undefined, field);
    assert.equal(json.id, `${BASE}/certificates/getDeletedCert/f60f2a4f8ae442cfb41ca2090bd4b769`);
    assert.equal((sent(certificateItem(W, record(), null, true)) as Record<string, unknown>).x5t, undefined);
  });

  it("follows the api-version's shape: no recoveryLevel or recoverableDays before soft-delete", () => {
    const json = sent(certificateBundle(wire("2015-06-01"), view)) as { attributes: Record<string, unknown> };
    assert.equal(json.attributes.recoveryLevel, undefined);
    assert.equal(json.attributes.recoverableDays, undefined);
    const deleted = sent(deletedCertificateBundle(wire("2015-06-01"), view, undefined)) as Record<string, unknown>;
    assert.equal(deleted.recoveryId, undefined);
  });

  it("writes list items with the id (versioned only in version lists) and x5t, and deleted items with recovery fields", () => {
    const item = sent(certificateItem(W, record({ tags: { a: "b" } }), DER, false)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(item), ["id", "x5t", "attributes", "tags"]);
    assert.equal(item.id, `${BASE}/certificates/getDeletedCert`);
    assert.equal(
      (sent(certificateItem(W, record(), DER, true)) as { id: string }).id,
      `${BASE}/certificates/getDeletedCert/f60f2a4f8ae442cfb41ca2090bd4b769`,
    );
    const state = { vault: "myvault", kind: "certificate" as const, name: "getDeletedCert", deletedAt: 5, scheduledPurge: 6 };
    assert.deepEqual(sent(deletedCertificateItem(W, { state, latest: record() }, DER)), {
      recoveryId: `${BASE}/deletedcertificates/getDeletedCert`,
      deletedDate: 5,
      scheduledPurgeDate: 6,
      id: `${BASE}/certificates/getDeletedCert`,
      x5t: x5t(DER),
      attributes: {
        enabled: true,
        nbf: 1430344421,
        exp: 2208988799,
        created: 1493938289,
        updated: 1493938291,
        recoveryLevel: "Recoverable+Purgeable",
        recoverableDays: 90,
      },
    });
  });

  it("writes a pending operation in the shape of the spec's example, with the exact status string", () => {
    const csr = Buffer.from([0x30, 0x82, 0x02, 0xe3]);
    const op = {
      issuer: { name: "issuer02", certificateType: null, certificateTransparency: null },
      csr,
      cancellationRequested: true,
      status: "inProgress" as const,
      statusDetails: "Pending certificate created. Please check again later.",
      error: null,
      target: null,
      requestId: "3dd81d528cc84c5a837c607f1a50f2e1",
    };
    assert.deepEqual(sent(certificateOperationJson(BASE, "cancellationRequestedCert01", op)), {
      id: `${BASE}/certificates/cancellationRequestedCert01/pending`,
      issuer: { name: "issuer02" },
      csr: csr.toString("base64"),
      cancellation_requested: true,
      status: "inProgress",
      status_details: "Pending certificate created. Please check again later.",
      request_id: "3dd81d528cc84c5a837c607f1a50f2e1",
    });
    const failed = {
      ...op,
      csr: null,
      status: "failed" as const,
      error: { code: "Canceled", message: "stopped" },
      target: `${BASE}/certificates/c`,
    };
    assert.deepEqual(sent(certificateOperationJson(BASE, "c", failed)), {
      id: `${BASE}/certificates/c/pending`,
      issuer: { name: "issuer02" },
      cancellation_requested: true,
      status: "failed",
      status_details: "Pending certificate created. Please check again later.",
      error: { code: "Canceled", message: "stopped" },
      target: `${BASE}/certificates/c`,
      request_id: "3dd81d528cc84c5a837c607f1a50f2e1",
    });
  });

  it("writes an issuer as the spec's example does, never with its password", () => {
    const issuer = {
      provider: "Test",
      credentials: { accountId: "keyvaultuser", password: "hunter2" },
      organization: { id: null, admins: [{ firstName: "John", lastName: "Doe", email: "admin@microsoft.com", phone: "4255555555" }] },
      enabled: true,
      created: 1482188806,
      updated: 1482189526,
    };
    const json = sent(issuerBundle(BASE, "issuer01", issuer));
    assert.deepEqual(json, {
      id: `${BASE}/certificates/issuers/issuer01`,
      provider: "Test",
      credentials: { account_id: "keyvaultuser" },
      org_details: { admin_details: [{ first_name: "John", last_name: "Doe", email: "admin@microsoft.com", phone: "4255555555" }] },
      attributes: { enabled: true, created: 1482188806, updated: 1482189526 },
    });
    assert.doesNotMatch(JSON.stringify(json), /hunter2/);
    assert.deepEqual(issuerItem(BASE, "issuer01", issuer), { id: `${BASE}/certificates/issuers/issuer01`, provider: "Test" });
  });

  it("writes contacts with the collection's id", () => {
    assert.deepEqual(sent(contactsJson(BASE, [{ email: "a@contoso.com", name: null, phone: "1" }])), {
      id: `${BASE}/certificates/contacts`,
      contacts: [{ email: "a@contoso.com", phone: "1" }],
    });
  });
});
