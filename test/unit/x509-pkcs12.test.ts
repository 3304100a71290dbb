import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from "node:crypto";
import { once } from "node:events";
import { createServer, get } from "node:https";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import { describe, it } from "node:test";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { buildCertificate, issuerOf } from "../../src/crypto/x509/certificate-builder.js";
import { createPkcs12, parsePkcs12, type Pkcs12Contents } from "../../src/crypto/x509/pkcs12.js";
import { ecKey, openssl, opensslWorkspace, rsaKey, signerFor, type TestKey } from "../support/x509-keys.js";

const DAY = 86_400_000;
const notBefore = new Date(Date.now() - DAY);
const notAfter = new Date(Date.now() + DAY);

/** A CA and a localhost server certificate it issued for `leafKey`. */
async function issued(leafKey: TestKey): Promise<{ ca: X509Certificate; leaf: X509Certificate }> {
  const caKey = ecKey("prime256v1", "ES256");
  const caDer = await buildCertificate(
    {
      subject: "CN=PFX Test CA",
      publicKey: caKey.publicKey,
      notBefore,
      notAfter,
      issuer: { self: true },
      ca: true,
      keyUsage: ["keyCertSign"],
    },
    signerFor(caKey),
  );
  const leafDer = await buildCertificate(
    {
      subject: "CN=localhost",
      publicKey: leafKey.publicKey,
      notBefore,
      notAfter,
      issuer: issuerOf(caDer),
      subjectAlternativeNames: { dnsNames: ["localhost"] },
      keyUsage: ["digitalSignature", "keyEncipherment"],
      extendedKeyUsage: ["1.3.6.1.5.5.7.3.1"],
    },
    signerFor(caKey),
  );
  return { ca: new X509Certificate(caDer), leaf: new X509Certificate(leafDer) };
}

const pkcs8 = (key: KeyObject): Buffer => key.export({ type: "pkcs8", format: "der" });
const keyPem = (key: KeyObject): string => key.export({ type: "pkcs8", format: "pem" }).toString();
const samePrivateKey = (der: Buffer, key: KeyObject): boolean =>
  pkcs8(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).equals(pkcs8(key));

/** Runs `openssl pkcs12 -export` with extra arguments over a key, its leaf and the CA; returns the PFX. */
function opensslExport(
  key: TestKey,
  leaf: X509Certificate,
  ca: X509Certificate,
  args: string[],
): { status: number; out: string; pfx?: Buffer } {
  const workspace = opensslWorkspace({ "key.pem": keyPem(key.privateKey), "leaf.pem": leaf.toString(), "ca.pem": ca.toString() });
  try {
    const result = workspace.run([
      "pkcs12",
      "-export",
      "-inkey",
      "key.pem",
      "-in",
      "leaf.pem",
      "-certfile",
      "ca.pem",
      "-out",
      "out.pfx",
      ...args,
    ]);
    return result.status === 0 ? { ...result, pfx: workspace.read("out.pfx") } : result;
  } finally {
    workspace.dispose();
  }
}

function pfxFromOpenssl(key: TestKey, leaf: X509Certificate, ca: X509Certificate, args: string[]): Buffer {
  const result = opensslExport(key, leaf, ca, args);
  assert.ok(result.pfx, result.out);
  return result.pfx;
}

function rejectsWith(message: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof KeyVaultError, String(error));
    assert.equal(error.status, 400);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /error:|:lib\(|routines/);
    return true;
  };
}

const WRONG_PASSWORD = /password .* is wrong/;
const MALFORMED = /not a valid PKCS#12/;

describe("parsePkcs12: files made by openssl pkcs12 -export", () => {
  const key = rsaKey(2048);

  it("with a password and a chain: the key, the leaf and the CA come back", async () => {
    const { ca, leaf } = await issued(key);
    const contents = await parsePkcs12(pfxFromOpenssl(key, leaf, ca, ["-passout", "pass:s3cret"]), "s3cret");
    assert.ok(samePrivateKey(contents.pkcs8, key.privateKey));
    assert.ok(contents.certificate.equals(leaf.raw));
    assert.deepEqual(contents.chain, [ca.raw]);
  });

  it("without a password (empty), read with none", async () => {
    const { ca, leaf } = await issued(key);
    const contents = await parsePkcs12(pfxFromOpenssl(key, leaf, ca, ["-passout", "pass:"]), null);
    assert.ok(samePrivateKey(contents.pkcs8, key.privateKey));
  });

  it("with a non-ASCII password", async () => {
    const { ca, leaf } = await issued(key);
    const contents = await parsePkcs12(pfxFromOpenssl(key, leaf, ca, ["-passout", "pass:pässwörd✓"]), "pässwörd✓");
    assert.ok(contents.certificate.equals(leaf.raw));
  });

  it("3DES-encrypted with a SHA-1 MAC (what Windows wrote for years)", async () => {
    const { ca, leaf } = await issued(key);
    const args = ["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1", "-passout", "pass:pw"];
    const contents = await parsePkcs12(pfxFromOpenssl(key, leaf, ca, args), "pw");
    assert.ok(samePrivateKey(contents.pkcs8, key.privateKey));
    assert.equal(contents.chain.length, 1);
  });

  it("-legacy (RC2-40 certificates): read if this Node has the legacy provider, otherwise a clear 'unsupported'", async (t) => {
    const { ca, leaf } = await issued(key);
    const result = opensslExport(key, leaf, ca, ["-legacy", "-passout", "pass:pw"]);
    if (!result.pfx) return t.skip("this openssl CLI cannot write -legacy files");
    try {
      const contents = await parsePkcs12(result.pfx, "pw");
      assert.ok(samePrivateKey(contents.pkcs8, key.privateKey));
    } catch (error) {
      rejectsWith(/algorithm that is not supported/)(error);
    }
  });

  for (const curve of ["prime256v1", "secp256k1", "secp384r1", "secp521r1"]) {
    it(`an EC key on ${curve}`, async () => {
      const ecLeafKey = ecKey(curve, "ES256");
      const { ca, leaf } = await issued(ecLeafKey);
      const contents = await parsePkcs12(pfxFromOpenssl(ecLeafKey, leaf, ca, ["-passout", "pass:pw"]), "pw");
      assert.ok(samePrivateKey(contents.pkcs8, ecLeafKey.privateKey));
    });
  }
});

describe("parsePkcs12: bad input gives distinct 400s without OpenSSL's words", () => {
  const key = ecKey("prime256v1", "ES256");

  it("a wrong password, and no password for a protected file", async () => {
    const { ca, leaf } = await issued(key);
    const pfx = pfxFromOpenssl(key, leaf, ca, ["-passout", "pass:right"]);
    await assert.rejects(parsePkcs12(pfx, "wrong"), rejectsWith(WRONG_PASSWORD));
    await assert.rejects(parsePkcs12(pfx, null), rejectsWith(WRONG_PASSWORD));
    await assert.rejects(parsePkcs12(pfx, ""), rejectsWith(WRONG_PASSWORD));
  });

  it("a password for a file without one", async () => {
    const { ca, leaf } = await issued(key);
    await assert.rejects(parsePkcs12(pfxFromOpenssl(key, leaf, ca, ["-passout", "pass:"]), "something"), rejectsWith(WRONG_PASSWORD));
  });

  it("not a PFX at all, a truncated one, an empty one, and a PEM file", async () => {
    const { ca, leaf } = await issued(key);
    const pfx = pfxFromOpenssl(key, leaf, ca, ["-passout", "pass:pw"]);
    await assert.rejects(parsePkcs12(randomBytes(512), "pw"), rejectsWith(MALFORMED));
    await assert.rejects(parsePkcs12(pfx.subarray(0, pfx.length - 40), "pw"), rejectsWith(MALFORMED));
    await assert.rejects(parsePkcs12(Buffer.alloc(0), "pw"), rejectsWith(MALFORMED));
    await assert.rejects(parsePkcs12(Buffer.from(leaf.toString()), "pw"), rejectsWith(MALFORMED));
  });

  it("a flipped byte inside the encrypted content fails the MAC: reported as a wrong password", async () => {
    const { ca, leaf } = await issued(key);
    const pfx = Buffer.from(pfxFromOpenssl(key, leaf, ca, ["-passout", "pass:pw"]));
    pfx[Math.floor(pfx.length / 2)]! ^= 0x01;
    await assert.rejects(parsePkcs12(pfx, "pw"), (error: unknown) => error instanceof KeyVaultError && error.status === 400);
  });

  it("a PFX with certificates only", async () => {
    const { leaf } = await issued(key);
    const workspace = opensslWorkspace({ "leaf.pem": leaf.toString() });
    try {
      const result = workspace.run(["pkcs12", "-export", "-nokeys", "-in", "leaf.pem", "-out", "out.pfx", "-passout", "pass:pw"]);
      assert.equal(result.status, 0, result.out);
      await assert.rejects(parsePkcs12(workspace.read("out.pfx"), "pw"), rejectsWith(MALFORMED));
    } finally {
      workspace.dispose();
    }
  });
});

describe("createPkcs12", () => {
  const keys = [
    rsaKey(2048),
    rsaKey(3072),
    rsaKey(4096),
    ecKey("prime256v1", "ES256"),
    ecKey("secp256k1", "ES256K"),
    ecKey("secp384r1", "ES384"),
    ecKey("secp521r1", "ES512"),
  ];

  async function contentsFor(key: TestKey): Promise<{ contents: Pkcs12Contents; ca: X509Certificate; leaf: X509Certificate }> {
    const { ca, leaf } = await issued(key);
    return { contents: { pkcs8: pkcs8(key.privateKey), certificate: leaf.raw, chain: [ca.raw] }, ca, leaf };
  }

  for (const key of keys) {
    it(`${key.label}: round-trips through parsePkcs12, with and without a password`, async () => {
      const { contents } = await contentsFor(key);
      for (const password of ["pw", null]) {
        const back = await parsePkcs12(await createPkcs12(contents, password), password);
        assert.ok(samePrivateKey(back.pkcs8, key.privateKey));
        assert.ok(back.certificate.equals(contents.certificate));
        assert.deepEqual(back.chain, contents.chain);
      }
    });
  }

  it("with a password: openssl reads it, and it uses PBES2/PBKDF2/AES-256-CBC and an HMAC-SHA-256 MAC", async () => {
    const key = rsaKey(2048);
    const { contents, leaf } = await contentsFor(key);
    const result = openssl(["pkcs12", "-in", "in.pfx", "-nodes", "-info", "-passin", "pass:pw"], {
      "in.pfx": await createPkcs12(contents, "pw"),
    });
    assert.equal(result.status, 0, result.out);
    assert.match(result.out, /MAC: sha256/);
    assert.match(result.out, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
    assert.match(result.out, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC/);
    assert.ok(result.out.includes(leaf.toString().trim()));
    assert.ok(result.out.includes(keyPem(key.privateKey).trim()));
    assert.notEqual(
      openssl(["pkcs12", "-in", "in.pfx", "-nodes", "-passin", "pass:nope"], { "in.pfx": await createPkcs12(contents, "pw") }).status,
      0,
    );
  });

  it("without a password: openssl reads it with the empty password; the key is in clear and the MAC is HMAC-SHA-256", async () => {
    const key = ecKey("secp384r1", "ES384");
    const { contents } = await contentsFor(key);
    const result = openssl(["pkcs12", "-in", "in.pfx", "-nodes", "-info", "-passin", "pass:"], {
      "in.pfx": await createPkcs12(contents, null),
    });
    assert.equal(result.status, 0, result.out);
    assert.match(result.out, /MAC: sha256/);
    assert.doesNotMatch(result.out, /Shrouded Keybag/);
    assert.ok(result.out.includes(keyPem(key.privateKey).trim()));
  });

  it("node:tls takes it, and a node:https server with it serves a client that trusts only the CA", async () => {
    const key = rsaKey(2048);
    const { contents, ca } = await contentsFor(key);
    for (const password of ["pw", null]) {
      const pfx = await createPkcs12(contents, password);
      assert.doesNotThrow(() => createSecureContext({ pfx, passphrase: password ?? undefined }));
      const server = createServer({ pfx, passphrase: password ?? undefined }, (_request, response) => response.end("hello"));
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      try {
        const { port } = server.address() as AddressInfo;
        const body = await new Promise<string>((resolve, reject) => {
          get({ host: "127.0.0.1", port, servername: "localhost", ca: ca.toString(), path: "/" }, (response) => {
            let text = "";
            response.on("data", (chunk: Buffer) => (text += chunk.toString()));
            response.on("end", () => resolve(text));
          }).on("error", reject);
        });
        assert.equal(body, "hello");
      } finally {
        server.close();
      }
    }
  });

  it("refuses a certificate that is not the key's, and input that does not parse", async () => {
    const { contents } = await contentsFor(rsaKey(2048));
    const otherKey = ecKey("prime256v1", "ES256");
    await assert.rejects(createPkcs12({ ...contents, pkcs8: pkcs8(otherKey.privateKey) }, "pw"), KeyVaultError);
    await assert.rejects(createPkcs12({ ...contents, certificate: randomBytes(100) }, "pw"), KeyVaultError);
    await assert.rejects(createPkcs12({ ...contents, pkcs8: randomBytes(100) }, null), KeyVaultError);
    await assert.rejects(createPkcs12({ ...contents, chain: [randomBytes(100)] }, null), KeyVaultError);
  });
});
