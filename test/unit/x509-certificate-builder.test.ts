import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { buildCertificate, issuerOf, type CertificateOptions } from "../../src/crypto/x509/certificate-builder.js";
import { ecdsaJwsToDer } from "../../src/crypto/x509/signature-algorithm.js";
import { ecKey, openssl, rsaKey, signerFor, type TestKey } from "../support/x509-keys.js";

const DAY = 86_400_000;
const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
const notAfter = new Date(notBefore.getTime() + 365 * DAY);

function leafOptions(key: TestKey): CertificateOptions {
  return {
    subject: "CN=example.com, O=Org",
    publicKey: key.publicKey,
    notBefore,
    notAfter,
    issuer: { self: true },
    subjectAlternativeNames: { dnsNames: ["example.com", "www.example.com"], emails: ["admin@example.com"], upns: ["user@example.com"] },
    keyUsage: ["digitalSignature", "keyEncipherment"],
    extendedKeyUsage: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
  };
}

const pem = (der: Buffer): string => new X509Certificate(der).toString();

const keys: TestKey[] = [
  rsaKey(2048, "RS256"),
  rsaKey(2048, "RS384"),
  rsaKey(2048, "RS512"),
  rsaKey(2048, "PS256"),
  rsaKey(2048, "PS384"),
  rsaKey(2048, "PS512"),
  rsaKey(3072, "RS256"),
  rsaKey(4096, "PS512"),
  ecKey("prime256v1", "ES256"),
  ecKey("secp256k1", "ES256K"),
  ecKey("secp384r1", "ES384"),
  ecKey("secp521r1", "ES512"),
];

describe("buildCertificate: self-signed, signed through a digest signer", () => {
  for (const key of keys) {
    it(`${key.label}: node:crypto reads it, the signature verifies, the fields are what was asked`, async () => {
      const cert = new X509Certificate(await buildCertificate(leafOptions(key), signerFor(key)));
      assert.equal(cert.subject, "CN=example.com\nO=Org");
      assert.equal(cert.issuer, cert.subject);
      assert.equal(cert.subjectAltName, "DNS:example.com, DNS:www.example.com, email:admin@example.com, othername:UPN:user@example.com");
      assert.equal(new Date(cert.validFrom).getTime(), notBefore.getTime());
      assert.equal(new Date(cert.validTo).getTime(), notAfter.getTime());
      assert.equal(cert.ca, false);
      assert.ok(cert.publicKey.equals(key.publicKey));
      assert.ok(cert.verify(key.publicKey));
      assert.match(cert.serialNumber, /^[0-9A-F]{32}$/);
    });
  }

  it("openssl reads the extensions: key usage (critical), EKUs, basic constraints, SKI equal to AKI", async () => {
    const key = ecKey("prime256v1", "ES256");
    const text = openssl(["x509", "-in", "c.pem", "-noout", "-text"], {
      "c.pem": pem(await buildCertificate(leafOptions(key), signerFor(key))),
    }).out;
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    assert.match(text, /Extended Key Usage: \s*\n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/);
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE\n/);
    const ski = /Subject Key Identifier: \s*\n\s+([0-9A-F:]+)/.exec(text)?.[1];
    const aki = /Authority Key Identifier: \s*\n\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
    assert.ok(ski !== undefined && ski === aki);
  });

  it("serial numbers are random, positive and 16 octets", async () => {
    const key = ecKey("prime256v1", "ES256");
    const serials = new Set<string>();
    for (let i = 0; i < 8; i++) serials.add(new X509Certificate(await buildCertificate(leafOptions(key), signerFor(key))).serialNumber);
    assert.equal(serials.size, 8);
    for (const serial of serials) assert.ok(parseInt(serial.slice(0, 2), 16) < 0x80 && serial.length === 32);
  });

  it("a validity after 2049 is encoded as GeneralizedTime and read back", async () => {
    const key = ecKey("prime256v1", "ES256");
    const late = new Date("2051-06-01T00:00:00Z");
    const cert = new X509Certificate(await buildCertificate({ ...leafOptions(key), notAfter: late }, signerFor(key)));
    assert.equal(new Date(cert.validTo).getTime(), late.getTime());
  });

  it("takes the subject public key as SPKI DER too, and no SANs, key usage or EKU at all", async () => {
    const key = rsaKey(2048, "RS256");
    const spki = key.publicKey.export({ type: "spki", format: "der" });
    const der = await buildCertificate(
      { subject: "CN=bare", publicKey: spki, notBefore, notAfter, issuer: { self: true } },
      signerFor(key),
    );
    const cert = new X509Certificate(der);
    assert.equal(cert.subjectAltName, undefined);
    assert.ok(cert.verify(key.publicKey));
    assert.deepEqual(cert.keyUsage, undefined);
  });
});

describe("buildCertificate: a subject given as parsed relative names", () => {
  it("keeps their order, joins multi-valued ones, and picks PrintableString, UTF8String or IA5String by value and type", async () => {
    const key = ecKey("prime256v1", "ES256");
    const subject = [
      [{ oid: "2.5.4.3", value: "Müller ✓" }],
      [
        { oid: "2.5.4.10", value: "Org" },
        { oid: "2.5.4.11", value: "Unit" },
      ],
      [{ oid: "1.2.840.113549.1.9.1", value: "a@example.com" }],
    ];
    const der = await buildCertificate({ ...leafOptions(key), subject }, signerFor(key));
    const cert = new X509Certificate(der);
    assert.match(cert.subject, /^CN=Müller ✓\n(O=Org \+ OU=Unit|OU=Unit \+ O=Org)\nemailAddress=a@example.com$/);
    const parsed = openssl(["asn1parse", "-inform", "DER", "-in", "c.der"], { "c.der": der }).out;
    assert.match(parsed, /UTF8STRING\s+:Müller ✓/);
    assert.match(parsed, /PRINTABLESTRING\s+:Org/);
    assert.match(parsed, /IA5STRING\s+:a@example.com/);
  });

  it("refuses an empty subject and an empty relative name", async () => {
    const key = ecKey("prime256v1", "ES256");
    const refused = (error: unknown): boolean => error instanceof KeyVaultError && error.status === 400;
    await assert.rejects(buildCertificate({ ...leafOptions(key), subject: [] }, signerFor(key)), refused);
    await assert.rejects(buildCertificate({ ...leafOptions(key), subject: [[]] }, signerFor(key)), refused);
    await assert.rejects(buildCertificate({ ...leafOptions(key), subject: "" }, signerFor(key)), refused);
  });
});

describe("buildCertificate: a CA and a certificate it issues", () => {
  it("the leaf is issued by the CA, verifies with its key and chains to it in openssl verify", async () => {
    const caKey = ecKey("secp384r1", "ES384");
    const caDer = await buildCertificate(
      {
        subject: "CN=Test CA",
        publicKey: caKey.publicKey,
        notBefore,
        notAfter,
        issuer: { self: true },
        ca: true,
        keyUsage: ["keyCertSign", "cRLSign"],
      },
      signerFor(caKey),
    );
    const ca = new X509Certificate(caDer);
    assert.equal(ca.ca, true);

    const leafKey = rsaKey(2048, "RS256");
    const leafDer = await buildCertificate({ ...leafOptions(leafKey), issuer: issuerOf(caDer) }, signerFor(caKey));
    const leaf = new X509Certificate(leafDer);
    assert.equal(leaf.issuer, "CN=Test CA");
    assert.ok(leaf.checkIssued(ca));
    assert.ok(leaf.verify(ca.publicKey));
    assert.ok(!leaf.verify(leafKey.publicKey));
    assert.ok(leaf.publicKey.equals(leafKey.publicKey));

    const verified = openssl(["verify", "-CAfile", "ca.pem", "leaf.pem"], { "ca.pem": ca.toString(), "leaf.pem": leaf.toString() });
    assert.equal(verified.status, 0, verified.out);
    const caText = openssl(["x509", "-in", "ca.pem", "-noout", "-text"], { "ca.pem": ca.toString() }).out;
    const leafText = openssl(["x509", "-in", "leaf.pem", "-noout", "-text"], { "leaf.pem": leaf.toString() }).out;
    const caSki = /Subject Key Identifier: \s*\n\s+([0-9A-F:]+)/.exec(caText)?.[1];
    assert.ok(caSki !== undefined && leafText.includes(caSki));
    assert.match(caText, /Basic Constraints: critical\s+CA:TRUE\n/);
    assert.match(caText, /Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
  });
});

describe("buildCertificate: bad input", () => {
  const key = ecKey("prime256v1", "ES256");
  const refused = (error: unknown): boolean => error instanceof KeyVaultError && error.status === 400;

  it("refuses an empty validity period, a malformed subject, an unknown key usage and a non-OID EKU", async () => {
    await assert.rejects(buildCertificate({ ...leafOptions(key), notAfter: notBefore }, signerFor(key)), refused);
    await assert.rejects(buildCertificate({ ...leafOptions(key), subject: "not a name" }, signerFor(key)), refused);
    const keyUsage = ["digitalSignature", "crlSign"] as unknown as CertificateOptions["keyUsage"];
    await assert.rejects(buildCertificate({ ...leafOptions(key), keyUsage }, signerFor(key)), refused);
    await assert.rejects(buildCertificate({ ...leafOptions(key), extendedKeyUsage: ["serverAuth"] }, signerFor(key)), refused);
  });
});

describe("ecdsaJwsToDer", () => {
  it("encodes R‖S as a DER ECDSA-Sig-Value that node:crypto's default (DER) verify accepts", async () => {
    const { createSign, createVerify } = await import("node:crypto");
    const key = ecKey("secp521r1", "ES512");
    for (let i = 0; i < 16; i++) {
      const data = Buffer.from(`message ${i}`);
      const jws = createSign("sha512").update(data).sign({ key: key.privateKey, dsaEncoding: "ieee-p1363" });
      assert.ok(createVerify("sha512").update(data).verify(key.publicKey, ecdsaJwsToDer(jws)));
    }
  });

  it("strips leading zero octets and adds a sign octet where the high bit is set", () => {
    const jws = Buffer.concat([Buffer.alloc(31), Buffer.from([0x01]), Buffer.from([0x80]), Buffer.alloc(31)]);
    assert.equal(ecdsaJwsToDer(jws).toString("hex"), "3026" + "020101" + "022100" + "80" + "00".repeat(31));
  });
});
