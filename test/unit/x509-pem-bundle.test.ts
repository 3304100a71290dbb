import assert from "node:assert/strict";
import { X509Certificate, type KeyObject } from "node:crypto";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { buildCertificate, issuerOf } from "../../src/crypto/x509/certificate-builder.js";
import { parsePemBundle } from "../../src/crypto/x509/pem-bundle.js";
import { ecKey, rsaKey, signerFor, type TestKey } from "../support/x509-keys.js";

const DAY = 86_400_000;
const notBefore = new Date(Date.now() - DAY);
const notAfter = new Date(Date.now() + DAY);

/** A root, an intermediate it issued, and a leaf for `leafKey` that the intermediate issued; PEM. */
async function chainFor(leafKey: TestKey): Promise<{ root: string; intermediate: string; leaf: string }> {
  const rootKey = ecKey("secp384r1", "ES384");
  const intermediateKey = ecKey("prime256v1", "ES256");
  const ca = { notBefore, notAfter, ca: true, keyUsage: ["keyCertSign" as const] };
  const root = await buildCertificate(
    { ...ca, subject: "CN=Root", publicKey: rootKey.publicKey, issuer: { self: true } },
    signerFor(rootKey),
  );
  const intermediate = await buildCertificate(
    { ...ca, subject: "CN=Intermediate", publicKey: intermediateKey.publicKey, issuer: issuerOf(root) },
    signerFor(rootKey),
  );
  const leaf = await buildCertificate(
    { subject: "CN=leaf.example.com", publicKey: leafKey.publicKey, notBefore, notAfter, issuer: issuerOf(intermediate) },
    signerFor(intermediateKey),
  );
  const pem = (der: Buffer): string => new X509Certificate(der).toString();
  return { root: pem(root), intermediate: pem(intermediate), leaf: pem(leaf) };
}

const exported = (key: KeyObject, type: "pkcs8" | "pkcs1" | "sec1"): string => key.export({ type, format: "pem" }).toString();

function badRequest(message: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof KeyVaultError && error.status === 400 && message.test(error.message);
}

describe("parsePemBundle", () => {
  const cases: Array<[string, TestKey, "pkcs8" | "pkcs1" | "sec1", RegExp]> = [
    ["PKCS#8 RSA", rsaKey(2048), "pkcs8", /BEGIN PRIVATE KEY/],
    ["PKCS#1 RSA", rsaKey(3072), "pkcs1", /BEGIN RSA PRIVATE KEY/],
    ["PKCS#8 EC", ecKey("prime256v1", "ES256"), "pkcs8", /BEGIN PRIVATE KEY/],
    ["SEC1 EC P-384", ecKey("secp384r1", "ES384"), "sec1", /BEGIN EC PRIVATE KEY/],
    ["SEC1 EC P-521", ecKey("secp521r1", "ES512"), "sec1", /BEGIN EC PRIVATE KEY/],
    ["SEC1 EC secp256k1", ecKey("secp256k1", "ES256K"), "sec1", /BEGIN EC PRIVATE KEY/],
  ];
  for (const [label, key, type, header] of cases) {
    it(`${label}: the key, and the leaf found by its public key whatever the order`, async () => {
      const { root, intermediate, leaf } = await chainFor(key);
      const keyText = exported(key.privateKey, type);
      assert.match(keyText, header);
      for (const parts of [
        [keyText, leaf, intermediate, root],
        [root, keyText, intermediate, leaf],
        [intermediate, root, leaf, keyText],
      ]) {
        const bundle = parsePemBundle(parts.join("\n"));
        assert.ok(bundle.privateKey.equals(key.privateKey));
        assert.equal(bundle.leaf.subject, "CN=leaf.example.com");
        assert.deepEqual(
          bundle.chain.map((certificate) => certificate.subject),
          ["CN=Intermediate", "CN=Root"],
        );
      }
    });
  }

  it("keeps certificates that do not link to the leaf, after its chain", async () => {
    const key = ecKey("prime256v1", "ES256");
    const { root, intermediate, leaf } = await chainFor(key);
    const stranger = await chainFor(ecKey("prime256v1", "ES256"));
    const bundle = parsePemBundle([stranger.root, root, exported(key.privateKey, "sec1"), leaf, intermediate].join("\n"));
    assert.deepEqual(
      bundle.chain.map((certificate) => certificate.toString()),
      [intermediate, root, stranger.root],
    );
  });

  it("refuses encrypted keys, PKCS#8 and PKCS#1 alike", async () => {
    const key = rsaKey(2048);
    const { leaf } = await chainFor(key);
    const encrypted = badRequest(/Encrypted private keys are not supported/);
    const pkcs8 = key.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString();
    const pkcs1 = key.privateKey.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString();
    assert.match(pkcs1, /Proc-Type: 4,ENCRYPTED/);
    assert.throws(() => parsePemBundle(pkcs8 + leaf), encrypted);
    assert.throws(() => parsePemBundle(pkcs1 + leaf), encrypted);
  });

  it("refuses no key, two keys, a key that does not parse, no certificate, and no certificate of the key", async () => {
    const key = ecKey("prime256v1", "ES256");
    const { leaf, root } = await chainFor(key);
    const keyText = exported(key.privateKey, "pkcs8");
    assert.throws(() => parsePemBundle(leaf), badRequest(/does not contain a private key/));
    assert.throws(() => parsePemBundle(keyText + keyText + leaf), badRequest(/more than one private key/));
    assert.throws(
      () => parsePemBundle("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + leaf),
      badRequest(/could not be parsed/),
    );
    assert.throws(() => parsePemBundle(keyText), badRequest(/No certificate/));
    assert.throws(() => parsePemBundle(keyText + root), badRequest(/does not match/));
  });
});
