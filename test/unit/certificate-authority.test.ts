import assert from "node:assert/strict";
import { X509Certificate, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Envelope, EnvelopeError } from "../../src/crypto/envelope.js";
import {
  CertificateAuthority,
  type LeafCertificateOptions,
  openCertificateAuthority,
} from "../../src/crypto/x509/certificate-authority.js";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import type { StoreOps } from "../../src/storage/store.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { loadCertificateAuthority } from "../../src/vault/certificate-authority.js";
import { ecKey, openssl, rsaKey } from "../support/x509-keys.js";

const DAY = 86_400_000;
const realNow = (): number => Math.floor(Date.now() / 1000);

const dirs: string[] = [];
const stores: SqliteStore[] = [];
after(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function newStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-ca-"));
  dirs.push(dir);
  const store = SqliteStore.open(join(dir, "k.db"));
  stores.push(store);
  return store;
}

async function newAuthority(now = realNow): Promise<CertificateAuthority> {
  return await loadCertificateAuthority(newStore(), new Envelope(randomBytes(32)), now);
}

function leafOptions(publicKey: LeafCertificateOptions["publicKey"], days = 365): LeafCertificateOptions {
  const notBefore = new Date(realNow() * 1000);
  return {
    subject: "CN=service.internal, O=Team",
    publicKey,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * DAY),
    subjectAlternativeNames: { dnsNames: ["service.internal"] },
    keyUsage: ["digitalSignature", "keyEncipherment"],
    extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
  };
}

const opensslText = (certificate: X509Certificate): string =>
  openssl(["x509", "-in", "c.pem", "-noout", "-text"], { "c.pem": certificate.toString() }).out;
const keyIds = (text: string, label: string): string | undefined =>
  new RegExp(`${label}: \\s*\\n\\s+(?:keyid:)?([0-9A-F:]+)`).exec(text)?.[1];

describe("the built-in CA's certificate", () => {
  it("is a self-signed P-384 CA of path length 0 for certificate and CRL signing, valid ten years from its making", async () => {
    const made = 1_800_000_000; // 2027-01-15T08:00:00Z
    const authority = await newAuthority(() => made);
    const ca = new X509Certificate(authority.certificateDer());
    assert.match(ca.subject, /^CN=Keyhold Certificate Authority [0-9a-f]{8}\nO=Keyhold$/);
    assert.equal(ca.issuer, ca.subject);
    assert.equal(ca.ca, true);
    assert.ok(ca.verify(ca.publicKey));
    assert.ok(ca.publicKey.equals(authority.publicKey));
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, "secp384r1");
    assert.equal(new Date(ca.validTo).toISOString(), "2037-01-15T08:00:00.000Z");
    assert.equal(authority.notAfter.toISOString(), "2037-01-15T08:00:00.000Z");
    assert.ok(new Date(ca.validFrom).getTime() <= made * 1000);

    const text = opensslText(ca);
    assert.match(text, /Basic Constraints: critical\s+CA:TRUE, pathlen:0\n/);
    assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA384/);
    assert.ok(keyIds(text, "Subject Key Identifier"));
  });

  it("each deployment's CA has a name of its own", async () => {
    const [a, b] = [await newAuthority(), await newAuthority()];
    assert.notEqual(new X509Certificate(a.certificateDer()).subject, new X509Certificate(b.certificateDer()).subject);
  });

  it("its PEM is the one certificate and nothing of the key; the DER is the same certificate", async () => {
    const authority = await newAuthority();
    const pem = authority.certificatePem();
    assert.deepEqual(pem.match(/-----BEGIN [A-Z ]+-----/g), ["-----BEGIN CERTIFICATE-----"]);
    assert.doesNotMatch(pem, /PRIVATE KEY/);
    assert.ok(new X509Certificate(pem).raw.equals(authority.certificateDer()));
  });
});

describe("loadCertificateAuthority: sealed in the store", () => {
  it("keeps key and certificate sealed in one meta value, and a reload opens the same CA with the same key", async () => {
    const store = newStore();
    const envelope = new Envelope(randomBytes(32));
    const first = await loadCertificateAuthority(store, envelope, realNow);
    const sealed = await store.getMeta("certificate-authority");
    assert.ok(sealed);
    assert.ok(!sealed.includes("BEGIN"), "the stored value is not PEM in the clear");
    assert.ok(!sealed.includes(first.certificateDer().subarray(0, 64)), "the stored value is not DER in the clear");
  });

  it("a reload with the same master key gives the same certificate, and its signatures verify with the first's key", async () => {
    const store = newStore();
    const masterKey = randomBytes(32);
    const first = await loadCertificateAuthority(store, new Envelope(masterKey), realNow);
    const later = () => realNow() + 3600;
    const reloaded = await loadCertificateAuthority(store, new Envelope(masterKey), later);
    assert.ok(reloaded.certificateDer().equals(first.certificateDer()));
    const leaf = new X509Certificate(await reloaded.sign(leafOptions(ecKey("prime256v1", "ES256").publicKey)));
    assert.ok(leaf.verify(first.publicKey));
  });

  it("an envelope of another master key cannot open it", async () => {
    const store = newStore();
    await loadCertificateAuthority(store, new Envelope(randomBytes(32)), realNow);
    const before = await store.getMeta("certificate-authority");
    await assert.rejects(loadCertificateAuthority(store, new Envelope(randomBytes(32)), realNow), EnvelopeError);
    assert.ok((await store.getMeta("certificate-authority"))?.equals(before!), "the stored CA is left as it was");
  });

  it("two loads at once on one store, each making a CA, end up with the one stored first", async () => {
    const store = newStore();
    const envelope = new Envelope(randomBytes(32));
    // Both loads find no CA before either stores one: the race two nodes starting together run.
    let misses = 0;
    let release: () => void = () => {};
    const bothMissed = new Promise<void>((resolve) => (release = resolve));
    const racing: Pick<StoreOps, "getMeta" | "initMeta"> = {
      getMeta: async () => {
        if (++misses === 2) release();
        await bothMissed;
        return undefined;
      },
      initMeta: (key, value) => store.initMeta(key, value),
    };
    const [a, b] = await Promise.all([
      loadCertificateAuthority(racing, envelope, realNow),
      loadCertificateAuthority(racing, envelope, realNow),
    ]);
    assert.ok(a.certificateDer().equals(b.certificateDer()));
    const stored = await loadCertificateAuthority(store, envelope, realNow);
    assert.ok(stored.certificateDer().equals(a.certificateDer()));
    const leaf = new X509Certificate(await b.sign(leafOptions(ecKey("prime256v1", "ES256").publicKey)));
    assert.ok(leaf.verify(a.publicKey), "both sign with the stored key");
  });
});

describe("CertificateAuthority.sign: leaf certificates", () => {
  const leafKeys = [rsaKey(2048), ecKey("prime256v1", "ES256")];

  for (const leafKey of leafKeys) {
    it(`${leafKey.label}: the leaf chains to the CA for node:crypto and for openssl verify`, async () => {
      const authority = await newAuthority();
      const ca = new X509Certificate(authority.certificatePem());
      const leaf = new X509Certificate(await authority.sign(leafOptions(leafKey.publicKey)));
      assert.equal(leaf.issuer, ca.subject);
      assert.equal(leaf.subject, "CN=service.internal\nO=Team");
      assert.equal(leaf.subjectAltName, "DNS:service.internal");
      assert.equal(leaf.ca, false);
      assert.ok(leaf.publicKey.equals(leafKey.publicKey));
      assert.ok(leaf.verify(authority.publicKey));
      assert.ok(!leaf.verify(leafKey.publicKey));
      assert.ok(leaf.checkIssued(ca));

      const files = { "ca.pem": ca.toString(), "leaf.pem": leaf.toString() };
      const verified = openssl(["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"], files);
      assert.equal(verified.status, 0, verified.out);
      const leafText = opensslText(leaf);
      assert.equal(keyIds(leafText, "Authority Key Identifier"), keyIds(opensslText(ca), "Subject Key Identifier"));
      assert.match(leafText, /Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
      assert.match(leafText, /Extended Key Usage: \s*\n\s+TLS Web Server Authentication\n/);
    });
  }

  it("openssl refuses the leaf against another deployment's CA", async () => {
    const [authority, other] = [await newAuthority(), await newAuthority()];
    const leaf = new X509Certificate(await authority.sign(leafOptions(ecKey("prime256v1", "ES256").publicKey)));
    const verified = openssl(["verify", "-CAfile", "ca.pem", "leaf.pem"], {
      "ca.pem": other.certificatePem(),
      "leaf.pem": leaf.toString(),
    });
    assert.notEqual(verified.status, 0);
    assert.ok(!leaf.verify(other.publicKey));
  });

  it("brings a notAfter beyond the CA's back to the CA's, and keeps one within it", async () => {
    const authority = await newAuthority();
    const key = ecKey("prime256v1", "ES256").publicKey;
    const long = new X509Certificate(await authority.sign(leafOptions(key, 20 * 366)));
    assert.equal(new Date(long.validTo).getTime(), authority.notAfter.getTime());
    const options = leafOptions(key, 90);
    const short = new X509Certificate(await authority.sign(options));
    assert.equal(new Date(short.validTo).getTime(), options.notAfter.getTime());
  });

  it("refuses a leaf whose validity would begin after the CA expires (400, nothing signed)", async () => {
    const authority = await newAuthority();
    const notBefore = new Date(authority.notAfter.getTime() + DAY);
    const options = { ...leafOptions(ecKey("prime256v1", "ES256").publicKey), notBefore, notAfter: new Date(notBefore.getTime() + DAY) };
    await assert.rejects(authority.sign(options), (error: unknown) => error instanceof KeyVaultError && error.status === 400);
  });

  it("issues end-entity certificates only, even when handed a CA's options", async () => {
    const authority = await newAuthority();
    const options = { ...leafOptions(ecKey("prime256v1", "ES256").publicKey), ca: true, pathLength: 0 };
    const leaf = new X509Certificate(await authority.sign(options));
    assert.equal(leaf.ca, false);
  });
});

describe("CertificateAuthority: opening kept material", () => {
  it("refuses a certificate that is not its key's, and names no part of the key when the key cannot be read", async () => {
    const authority = await newAuthority();
    const otherKey = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey;
    assert.throws(() => new CertificateAuthority(otherKey, authority.certificateDer()), /not a CA certificate of its key/);

    const keyPem = otherKey.export({ format: "pem", type: "pkcs8" }).toString();
    const body = keyPem.split("\n")[1]!;
    const damaged = keyPem.replace(body, body.slice(0, 20)) + authority.certificatePem();
    assert.throws(
      () => openCertificateAuthority(damaged),
      (error: unknown) => error instanceof Error && error.message === "the stored certificate authority's key could not be read",
    );
    assert.throws(() => openCertificateAuthority(authority.certificatePem()), /incomplete/);
  });
});
