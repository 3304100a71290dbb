import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { buildCertificationRequest, certificationRequestPem } from "../../src/crypto/x509/csr-builder.js";
import { chainForKey, parseCertificates } from "../../src/crypto/x509/certificate-chain.js";
import { ecKey, openssl, opensslWorkspace, rsaKey, signerFor, type TestKey } from "../support/x509-keys.js";

const request = (key: TestKey) => ({
  subject: "CN=pending.example.com, O=Org",
  publicKey: key.publicKey,
  subjectAlternativeNames: { dnsNames: ["pending.example.com"], emails: ["ops@example.com"], upns: ["svc@example.com"] },
  keyUsage: ["digitalSignature", "keyEncipherment"] as const,
  extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
});

/** A root and an intermediate CA made with the openssl CLI; the intermediate signs the CSR. All PEM. */
function outsideCaSigns(csrPem: string): { root: string; intermediate: string; leaf: string } {
  const workspace = opensslWorkspace({
    "csr.pem": csrPem,
    "ext.cnf": "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n[leaf]\nbasicConstraints=CA:FALSE\n",
  });
  try {
    const steps = [
      "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem -subj /CN=Outside-Root -days 2",
      "req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj /CN=Outside-Intermediate",
      "x509 -req -in int.csr -CA root.pem -CAkey root.key -set_serial 2 -out int.pem -days 2 -extfile ext.cnf -extensions ca",
      "x509 -req -in csr.pem -CA int.pem -CAkey int.key -set_serial 3 -out leaf.pem -days 1 -extfile ext.cnf -extensions leaf",
    ];
    for (const step of steps) {
      const result = workspace.run(step.split(" "));
      assert.equal(result.status, 0, result.out);
    }
    const read = (name: string): string => workspace.read(name).toString("utf8");
    return { root: read("root.pem"), intermediate: read("int.pem"), leaf: read("leaf.pem") };
  } finally {
    workspace.dispose();
  }
}

describe("buildCertificationRequest", () => {
  for (const key of [
    rsaKey(2048, "RS256"),
    rsaKey(3072, "PS384"),
    ecKey("prime256v1", "ES256"),
    ecKey("secp256k1", "ES256K"),
    ecKey("secp521r1", "ES512"),
  ]) {
    it(`${key.label} ${key.algorithm}: openssl req -verify accepts the signature and reads the requested extensions`, async () => {
      const csr = certificationRequestPem(await buildCertificationRequest(request(key), signerFor(key)));
      const result = openssl(["req", "-in", "csr.pem", "-verify", "-noout", "-text"], { "csr.pem": csr });
      assert.equal(result.status, 0, result.out);
      assert.match(result.out, /verify OK/i);
      assert.match(result.out, /Subject: CN = pending.example.com, O = Org/);
      assert.match(result.out, /DNS:pending.example.com, email:ops@example.com, othername: UPN::svc@example.com/);
      assert.match(result.out, /Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
      assert.match(result.out, /TLS Web Server Authentication/);
    });
  }

  it("a CSR without extensions still verifies", async () => {
    const key = ecKey("secp384r1", "ES384");
    const csr = certificationRequestPem(await buildCertificationRequest({ subject: "CN=plain", publicKey: key.publicKey }, signerFor(key)));
    const result = openssl(["req", "-in", "csr.pem", "-verify", "-noout"], { "csr.pem": csr });
    assert.match(result.out, /verify OK/i);
  });

  it("a signature by another key does not verify", async () => {
    const key = ecKey("prime256v1", "ES256");
    const csr = certificationRequestPem(await buildCertificationRequest(request(key), signerFor(ecKey("prime256v1", "ES256"))));
    // openssl 3.0's req -verify exits 0 either way; its verdict is in the output.
    const result = openssl(["req", "-in", "csr.pem", "-verify", "-noout"], { "csr.pem": csr });
    assert.match(result.out, /verify failure/);
    assert.doesNotMatch(result.out, /verify OK/);
  });
});

describe("chainForKey: merging a chain signed by an outside CA", () => {
  it("finds the leaf by the pending key in any order, orders the issuers, and refuses another key", async () => {
    const key = rsaKey(2048, "RS256");
    const csr = certificationRequestPem(await buildCertificationRequest(request(key), signerFor(key)));
    const { root, intermediate, leaf } = outsideCaSigns(csr);

    for (const order of [
      [leaf, intermediate, root],
      [root, leaf, intermediate],
      [intermediate, root, leaf],
    ]) {
      const merged = chainForKey(parseCertificates(order.join("\n")), key.publicKey);
      assert.equal(merged.leaf.subject, "CN=pending.example.com\nO=Org");
      assert.deepEqual(
        merged.chain.map((certificate) => certificate.subject),
        ["CN=Outside-Intermediate", "CN=Outside-Root"],
      );
      assert.ok(merged.leaf.publicKey.equals(key.publicKey));
    }

    const der = [leaf, root].map((text) => new X509Certificate(text).raw);
    assert.equal(chainForKey(parseCertificates(der), key.publicKey.export({ type: "spki", format: "der" })).chain.length, 1);
    const otherKey = rsaKey(3072, "RS256");
    assert.throws(
      () => chainForKey(parseCertificates(der), otherKey.publicKey),
      (error: unknown) => error instanceof KeyVaultError && error.status === 400,
    );
  });

  it("refuses input without certificates and certificates that do not parse", () => {
    const badRequest = (error: unknown): boolean => error instanceof KeyVaultError && error.status === 400;
    assert.throws(() => parseCertificates("no certificates here"), badRequest);
    assert.throws(() => parseCertificates([Buffer.from("30030201ff", "hex")]), badRequest);
    assert.throws(() => parseCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), badRequest);
  });
});
