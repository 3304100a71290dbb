import assert from "node:assert/strict";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { certificateChain, certificateFile, importedContent } from "../../src/cli/certificate-file.js";
import { DEFAULT_POLICY, restPolicy, withPolicyDefaults } from "../../src/cli/certificate-policy.js";
import { CliError } from "../../src/cli/cli-error.js";
import { hintFor } from "../../src/cli/error-hints.js";

/** The REST policy that az's default policy stands for. */
const DEFAULT_REST = {
  issuer: { name: "Self" },
  key_props: { exportable: true, kty: "RSA", key_size: 2048, reuse_key: true },
  lifetime_actions: [{ action: { action_type: "AutoRenew" }, trigger: { days_before_expiry: 90 } }],
  secret_props: { contentType: "application/x-pkcs12" },
  x509_props: {
    key_usage: ["cRLSign", "dataEncipherment", "digitalSignature", "keyEncipherment", "keyAgreement", "keyCertSign"],
    subject: "CN=CLIGetDefaultPolicy",
    validity_months: 12,
  },
};

async function selfSigned(name: string): Promise<X509Certificate> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ name: `CN=${name}`, keys, signingAlgorithm: alg });
  return new X509Certificate(Buffer.from(cert.rawData));
}

describe("certificate policies on the command line", () => {
  it("sends az's default policy as the REST API's", () => {
    assert.deepEqual(restPolicy(DEFAULT_POLICY), DEFAULT_REST);
  });

  it("reads az's snake_case names, their camelCase and the REST names alike, and drops read-only fields and nulls", () => {
    const sans = { dns_names: ["a.example"], ipAddresses: ["10.0.0.1"] };
    const snake = restPolicy({
      x509_certificate_properties: { subject_alternative_names: sans },
      issuer_parameters: { name: "X", certificate_type: null },
    });
    const camel = restPolicy({
      x509CertificateProperties: { subjectAlternativeNames: { dnsNames: ["a.example"], ipAddresses: ["10.0.0.1"] } },
      issuerParameters: { name: "X" },
    });
    const rest = restPolicy({
      id: "https://v/certificates/c/policy",
      x509_props: { sans },
      issuer: { name: "X" },
      attributes: { enabled: true, created: 1 },
    });
    const expected = { x509_props: { sans: { dns_names: ["a.example"], ipAddresses: ["10.0.0.1"] } }, issuer: { name: "X" } };
    assert.deepEqual(snake, expected);
    assert.deepEqual(camel, expected);
    assert.deepEqual(rest, { ...expected, attributes: { enabled: true } });
    assert.deepEqual(
      restPolicy({ keyProperties: { keyType: "EC", curve: "P-384" }, secretProperties: { contentType: "application/x-pem-file" } }),
      {
        key_props: { kty: "EC", crv: "P-384" },
        secret_props: { contentType: "application/x-pem-file" },
      },
    );
  });

  it("refuses unknown fields and wrong types, naming where", () => {
    assert.throws(
      () => restPolicy({ key_properties: { size: 1 } }),
      /the policy\.key_properties has no field 'size' \(it takes .*key_size/,
    );
    assert.throws(() => restPolicy({ lifetime_actions: {} }), /the policy\.lifetime_actions must be a JSON array/);
    assert.throws(
      () => restPolicy({ lifetime_actions: [{ trigger: 5 }] }),
      /the policy\.lifetime_actions\[0\]\.trigger must be a JSON object/,
    );
    assert.throws(() => restPolicy([]), /the policy must be a JSON object/);
  });

  it("sets --validity over the policy's and a content type only where the policy gives none", () => {
    const policy = restPolicy(DEFAULT_POLICY);
    const set = withPolicyDefaults(policy, { validity: 3, contentType: "application/x-pem-file" });
    assert.deepEqual(set.x509_props, { ...DEFAULT_REST.x509_props, validity_months: 3 });
    assert.deepEqual(set.secret_props, { contentType: "application/x-pkcs12" });
    assert.deepEqual(withPolicyDefaults({}, { contentType: "application/x-pem-file" }), {
      secret_props: { contentType: "application/x-pem-file" },
    });
    assert.deepEqual(withPolicyDefaults({}, {}), {});
  });
});

describe("certificate files on the command line", () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-certificate-files-"));
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  it("imports a PEM file as its text (Unix line ends) and anything else as base64 PFX, with the content type", async () => {
    const cert = await selfSigned("pem");
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    const pem = `${key}${cert.toString()}`;
    assert.deepEqual(importedContent(file("both.pem", pem.replace(/\n/g, "\r\n"))), { value: pem, contentType: "application/x-pem-file" });
    const pfx = Buffer.from([0x30, 0x82, 0x01, 0x02, 0xff]);
    assert.deepEqual(importedContent(file("c.pfx", pfx)), { value: pfx.toString("base64"), contentType: "application/x-pkcs12" });
    assert.throws(() => importedContent(file("key.pem", key)), /key\.pem is PEM without a certificate/);
  });

  it("reads a merge's chain from PEM (in the file's order) or one DER certificate, refusing anything else", async () => {
    const leaf = await selfSigned("leaf");
    const ca = await selfSigned("ca");
    const chain = certificateChain(file("chain.pem", `${leaf.toString()}\n${ca.toString()}`));
    assert.deepEqual(chain, [leaf.raw.toString("base64"), ca.raw.toString("base64")]);
    assert.deepEqual(certificateChain(file("leaf.der", leaf.raw)), [leaf.raw.toString("base64")]);
    assert.throws(() => certificateChain(file("junk.der", Buffer.from("junk"))), /junk\.der holds no X\.509 certificate \(PEM or DER\)/);
    assert.throws(
      () => certificateChain(file("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")),
      /broken\.pem holds no X\.509 certificate/,
    );
  });

  it("writes the public certificate as DER or PEM", async () => {
    const cert = await selfSigned("out");
    const cer = cert.raw.toString("base64");
    assert.deepEqual(certificateFile(cer, "DER"), cert.raw);
    const pem = certificateFile(cer, "PEM").toString();
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n/);
    assert.deepEqual(new X509Certificate(pem).raw, cert.raw);
  });
});

describe("certificate error hints", () => {
  const hint = (code: string, message = "") => hintFor(new CliError(code, message), "HELP");
  it("points a missing endpoint at a version mismatch, and certificate codes at the commands that help", () => {
    assert.match(hint("NotFound")!, /older Keyhold than this CLI/);
    assert.match(hint("CertificateNotFound")!, /certificate list .*--include-pending.*list-deleted/);
    assert.match(hint("ContactNotFound")!, /certificate contact list/);
    assert.match(hint("ContactExists")!, /certificate contact list/);
  });
});
