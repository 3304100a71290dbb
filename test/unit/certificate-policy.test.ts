import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { CLIENT_DEFAULT_POLICY, type CertificatePolicyInput, completePolicy, mergePolicy } from "../../src/vault/certificate-policy.js";
import { parseX500Name } from "../../src/crypto/x509/x500-name.js";

const NOW = 1_700_000_000;
const SUBJECT = { x509: { subject: "CN=www.example.com" } };

/** Asserts Azure's 400 BadParameter with a message matching `mentions`. */
function refuses(run: () => unknown, mentions: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof KeyVaultError, String(e));
    assert.equal(e.status, 400);
    assert.equal(e.code, "BadParameter");
    assert.match(e.message, mentions);
    return true;
  });
}

const complete = (input: CertificatePolicyInput) => completePolicy(input, NOW);

describe("certificate policy defaults", () => {
  it("fills the client's default policy as Azure does: RSA 2048, exportable, PKCS#12, 12 months, AutoRenew at 80 %", () => {
    assert.deepEqual(complete(CLIENT_DEFAULT_POLICY), {
      key: { type: "RSA", size: 2048, curve: null, exportable: true, reuseKey: false },
      secret: { contentType: "application/x-pkcs12" },
      x509: {
        subject: "cn=MyCert",
        sans: { emails: [], dnsNames: [], upns: [], uris: [], ipAddresses: [] },
        ekus: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
        keyUsage: ["digitalSignature", "keyEncipherment"],
        validityMonths: 12,
      },
      lifetimeActions: [{ trigger: { lifetimePercentage: 80 }, action: "AutoRenew" }],
      issuer: { name: "Self", certificateType: null, certificateTransparency: null },
      enabled: true,
      created: NOW,
      updated: NOW,
    });
  });

  it("defaults the issuer to Unknown, whose default action is EmailContacts", () => {
    const policy = complete(SUBJECT);
    assert.equal(policy.issuer.name, "Unknown");
    assert.deepEqual(policy.lifetimeActions, [{ trigger: { lifetimePercentage: 80 }, action: "EmailContacts" }]);
  });

  it("keeps an explicitly empty list of lifetime actions, EKUs and key usages", () => {
    const policy = complete({ ...SUBJECT, x509: { subject: "CN=a", ekus: [], keyUsage: [] }, lifetimeActions: [] });
    assert.deepEqual([policy.lifetimeActions, policy.x509.ekus, policy.x509.keyUsage], [[], [], []]);
  });

  it("gives EC keys P-256 by default, derives the curve from key_size, and the size from the curve", () => {
    assert.deepEqual(complete({ ...SUBJECT, key: { type: "EC" } }).key, {
      type: "EC",
      size: 256,
      curve: "P-256",
      exportable: true,
      reuseKey: false,
    });
    assert.equal(complete({ ...SUBJECT, key: { type: "EC", size: 384 } }).key.curve, "P-384");
    assert.equal(complete({ ...SUBJECT, key: { type: "EC", curve: "P-521" } }).key.size, 521);
    assert.equal(complete({ ...SUBJECT, key: { type: "EC", curve: "P-256K", size: 256 } }).key.curve, "P-256K");
    assert.deepEqual(complete({ ...SUBJECT, key: { type: "EC" } }).x509.keyUsage, ["digitalSignature"]);
  });

  it("makes HSM keys non-exportable by default", () => {
    assert.equal(complete({ ...SUBJECT, key: { type: "RSA-HSM" } }).key.exportable, false);
    assert.equal(complete({ ...SUBJECT, key: { type: "EC-HSM" } }).key.exportable, false);
  });

  it("matches the issuers Self and Unknown without regard to case and keeps other names as given", () => {
    assert.equal(complete({ ...SUBJECT, issuer: { name: "self" } }).issuer.name, "Self");
    assert.equal(complete({ ...SUBJECT, issuer: { name: "UNKNOWN" } }).issuer.name, "Unknown");
    assert.equal(complete({ ...SUBJECT, issuer: { name: "keyhold-ca" } }).issuer.name, "keyhold-ca");
  });

  it("accepts a certificate named by its SANs alone, and removes repeated EKUs and key usages", () => {
    const policy = complete({
      x509: { sans: { dnsNames: ["a.example.com", "*.example.com"] }, ekus: ["1.2.3", "1.2.3"], keyUsage: ["keyCertSign", "keyCertSign"] },
    });
    assert.equal(policy.x509.subject, "");
    assert.deepEqual(policy.x509.sans.dnsNames, ["a.example.com", "*.example.com"]);
    assert.deepEqual([policy.x509.ekus, policy.x509.keyUsage], [["1.2.3"], ["keyCertSign"]]);
  });

  it("accepts every kind of subject alternative name", () => {
    const sans = {
      emails: ["a@example.com"],
      upns: ["user@contoso.com"],
      uris: ["spiffe://example/ns/a"],
      ipAddresses: ["10.0.0.1", "::1"],
    };
    assert.deepEqual(complete({ x509: { sans } }).x509.sans, { dnsNames: [], ...sans });
  });
});

describe("certificate policy validation", () => {
  const cases: [string, CertificatePolicyInput, RegExp][] = [
    ["an unknown key type", { ...SUBJECT, key: { type: "oct" } }, /key_props\.kty must be one of RSA, RSA-HSM, EC, EC-HSM/],
    ["a key type named after an Object.prototype member", { ...SUBJECT, key: { type: "constructor" } }, /kty/],
    [
      "an RSA size Azure does not issue",
      { ...SUBJECT, key: { type: "RSA", size: 1024 } },
      /key_size for an RSA key must be one of 2048, 3072, 4096/,
    ],
    ["a curve on an RSA key", { ...SUBJECT, key: { type: "RSA", curve: "P-256" } }, /crv applies only to EC/],
    ["an unknown curve", { ...SUBJECT, key: { type: "EC", curve: "P-192" } }, /key_props\.crv must be one of P-256, P-384, P-521, P-256K/],
    ["a curve named __proto__", { ...SUBJECT, key: { type: "EC", curve: "__proto__" } }, /crv/],
    ["an EC size that matches no curve", { ...SUBJECT, key: { type: "EC", size: 2048 } }, /256, 384 or 521/],
    [
      "an EC size that contradicts the curve",
      { ...SUBJECT, key: { type: "EC", curve: "P-384", size: 256 } },
      /does not match the curve P-384/,
    ],
    ["an exportable HSM key", { ...SUBJECT, key: { type: "RSA-HSM", exportable: true } }, /cannot be exportable/],
    ["an unknown content type", { ...SUBJECT, secret: { contentType: "text/plain" } }, /application\/x-pkcs12, application\/x-pem-file/],
    ["neither subject nor SANs", { x509: { validityMonths: 12 } }, /subject or at least one subject alternative name/],
    ["no x509_props at all", {}, /subject or at least one/],
    ["a subject that is not an X.500 name", { x509: { subject: "www.example.com" } }, /not a valid X\.500 distinguished name/],
    ["a subject with an unknown attribute", { x509: { subject: "FOO=bar" } }, /'FOO' is not a known attribute/],
    ["validity of 0 months", { x509: { subject: "CN=a", validityMonths: 0 } }, /validity_months must be a whole number from 1 to 1200/],
    ["validity beyond 100 years", { x509: { subject: "CN=a", validityMonths: 1201 } }, /validity_months/],
    ["an EKU that is not an OID", { x509: { subject: "CN=a", ekus: ["serverAuth"] } }, /not an OID/],
    ["an unknown key usage", { x509: { subject: "CN=a", keyUsage: ["sign"] } }, /key_usage must be one of digitalSignature/],
    ["a malformed DNS name", { x509: { sans: { dnsNames: ["bad name"] } } }, /dns_names holds 'bad name'/],
    ["a malformed email", { x509: { sans: { emails: ["nobody"] } } }, /emails holds 'nobody'/],
    ["a malformed IP address", { x509: { sans: { ipAddresses: ["300.1.1.1"] } } }, /ipAddresses/],
    ["a malformed URI", { x509: { sans: { uris: ["not a uri"] } } }, /uris/],
    [
      "lifetime_percentage 0",
      { ...SUBJECT, lifetimeActions: [{ trigger: { lifetimePercentage: 0 }, action: "EmailContacts" }] },
      /lifetime_percentage must be a whole number from 1 to 99/,
    ],
    [
      "lifetime_percentage 100",
      { ...SUBJECT, lifetimeActions: [{ trigger: { lifetimePercentage: 100 }, action: "EmailContacts" }] },
      /from 1 to 99/,
    ],
    [
      "days_before_expiry 0",
      { ...SUBJECT, lifetimeActions: [{ trigger: { daysBeforeExpiry: 0 }, action: "EmailContacts" }] },
      /days_before_expiry/,
    ],
    [
      "days_before_expiry beyond validity_months × 27",
      { x509: { subject: "CN=a", validityMonths: 12 }, lifetimeActions: [{ trigger: { daysBeforeExpiry: 325 }, action: "EmailContacts" }] },
      /from 1 to 324/,
    ],
    [
      "a trigger with both fields",
      { ...SUBJECT, lifetimeActions: [{ trigger: { lifetimePercentage: 80, daysBeforeExpiry: 10 }, action: "EmailContacts" }] },
      /exactly one/,
    ],
    ["a trigger with neither field", { ...SUBJECT, lifetimeActions: [{ trigger: {}, action: "EmailContacts" }] }, /exactly one/],
    ["an action without a type", { ...SUBJECT, lifetimeActions: [{ trigger: { lifetimePercentage: 80 } }] }, /action_type/],
    [
      "an unknown action type",
      { ...SUBJECT, lifetimeActions: [{ trigger: { lifetimePercentage: 80 }, action: "Rotate" }] },
      /AutoRenew, EmailContacts/,
    ],
    [
      "two actions of one type",
      {
        ...SUBJECT,
        lifetimeActions: [
          { trigger: { lifetimePercentage: 80 }, action: "EmailContacts" },
          { trigger: { daysBeforeExpiry: 10 }, action: "EmailContacts" },
        ],
      },
      /only one EmailContacts/,
    ],
    [
      "AutoRenew for issuer Unknown",
      { ...SUBJECT, lifetimeActions: [{ trigger: { lifetimePercentage: 80 }, action: "AutoRenew" }] },
      /AutoRenew is not supported for issuer Unknown/,
    ],
    ["an empty issuer name", { ...SUBJECT, issuer: { name: " " } }, /issuer\.name must not be empty/],
    ["a certificate type for issuer Self", { ...SUBJECT, issuer: { name: "Self", certificateType: "OV-SSL" } }, /cty/],
  ];
  for (const [what, input, mentions] of cases) {
    it(`refuses ${what}`, () => refuses(() => complete(input), mentions));
  }

  it("accepts the limits themselves", () => {
    const actions = (trigger: { lifetimePercentage?: number; daysBeforeExpiry?: number }) => [{ trigger, action: "EmailContacts" }];
    assert.doesNotThrow(() =>
      complete({ x509: { subject: "CN=a", validityMonths: 1200 }, lifetimeActions: actions({ lifetimePercentage: 99 }) }),
    );
    assert.doesNotThrow(() =>
      complete({ x509: { subject: "CN=a", validityMonths: 12 }, lifetimeActions: actions({ daysBeforeExpiry: 324 }) }),
    );
    assert.doesNotThrow(() => complete({ ...SUBJECT, lifetimeActions: actions({ lifetimePercentage: 1 }) }));
  });
});

describe("X.500 subject names", () => {
  it("reads names as Windows writes them: any case, `,` or `;`, `+`, quotes, escapes and OIDs", () => {
    assert.deepEqual(parseX500Name("cn=MyCert"), [[{ oid: "2.5.4.3", value: "MyCert" }]]);
    assert.deepEqual(parseX500Name('CN=a, O="Contoso, Ltd"; OU=x+L=y'), [
      [{ oid: "2.5.4.3", value: "a" }],
      [{ oid: "2.5.4.10", value: "Contoso, Ltd" }],
      [
        { oid: "2.5.4.11", value: "x" },
        { oid: "2.5.4.7", value: "y" },
      ],
    ]);
    assert.deepEqual(parseX500Name("CN=a\\,b\\2Cc, OID.1.2.3.4=v, 2.5.4.6=NL, E=me@example.com"), [
      [{ oid: "2.5.4.3", value: "a,b,c" }],
      [{ oid: "1.2.3.4", value: "v" }],
      [{ oid: "2.5.4.6", value: "NL" }],
      [{ oid: "1.2.840.113549.1.9.1", value: "me@example.com" }],
    ]);
  });

  const invalid: [string, RegExp][] = [
    ["", /it is empty/],
    ["CN=a,,O=b", /empty relative name/],
    ["CN", /not of the form NAME=VALUE/],
    ["=x", /no name/],
    ["CN=", /value of 'CN' is empty/],
    ["constructor=x", /not a known attribute/],
    ['CN="open', /not closed/],
    ["CN=a\\", /ends with an escape/],
    ['CN="a"b', /after its closing quote/],
    ["3.1=x", /not a known attribute name or OID/],
  ];
  for (const [subject, mentions] of invalid) {
    it(`refuses ${JSON.stringify(subject)}`, () => refuses(() => parseX500Name(subject), mentions));
  }

  it("refuses an overlong subject before parsing it", () => refuses(() => parseX500Name(`CN=${"a".repeat(5000)}`), /at most 4096/));
});

describe("certificate policy update (PATCH …/policy)", () => {
  const stored = completePolicy(
    {
      key: { type: "RSA", size: 3072, reuseKey: true },
      x509: { subject: "CN=old", sans: { dnsNames: ["old.example.com"], emails: ["a@example.com"] }, validityMonths: 24 },
      issuer: { name: "Self" },
      lifetimeActions: [{ trigger: { daysBeforeExpiry: 30 }, action: "AutoRenew" }],
    },
    NOW - 100,
  );

  it("replaces the fields given and keeps the others, and keeps created while moving updated", () => {
    const merged = mergePolicy(
      stored,
      { x509: { subject: "CN=new", sans: { dnsNames: ["new.example.com"] } }, secret: { contentType: "application/x-pem-file" } },
      NOW,
    );
    assert.equal(merged.x509.subject, "CN=new");
    assert.deepEqual(merged.x509.sans.dnsNames, ["new.example.com"]);
    assert.deepEqual(merged.x509.sans.emails, ["a@example.com"]);
    assert.equal(merged.x509.validityMonths, 24);
    assert.deepEqual(merged.key, stored.key);
    assert.equal(merged.secret.contentType, "application/x-pem-file");
    assert.deepEqual(merged.lifetimeActions, stored.lifetimeActions);
    assert.deepEqual([merged.created, merged.updated], [NOW - 100, NOW]);
  });

  it("replaces the lifetime actions as a whole", () => {
    const merged = mergePolicy(stored, { lifetimeActions: [{ trigger: { lifetimePercentage: 50 }, action: "EmailContacts" }] }, NOW);
    assert.deepEqual(merged.lifetimeActions, [{ trigger: { lifetimePercentage: 50 }, action: "EmailContacts" }]);
  });

  it("drops the stored size when the key type changes, so RSA 3072 becomes EC P-256", () => {
    assert.deepEqual(mergePolicy(stored, { key: { type: "EC" } }, NOW).key, {
      type: "EC",
      size: 256,
      curve: "P-256",
      exportable: true,
      reuseKey: true,
    });
    assert.equal(mergePolicy(stored, { key: { type: "RSA-HSM" } }, NOW).key.exportable, false);
  });

  it("checks the merged policy as a whole", () => {
    refuses(() => mergePolicy(stored, { x509: { validityMonths: 1 } }, NOW), /days_before_expiry/);
    refuses(() => mergePolicy(stored, { issuer: { name: "Unknown" } }, NOW), /AutoRenew is not supported for issuer Unknown/);
    refuses(() => mergePolicy(stored, { key: { size: 1000 } }, NOW), /key_size/);
  });

  it("leaves the stored policy untouched", () => {
    const before = structuredClone(stored);
    mergePolicy(stored, { x509: { subject: "CN=other", sans: { dnsNames: [] } }, key: { type: "EC" } }, NOW);
    assert.deepEqual(stored, before);
  });
});
