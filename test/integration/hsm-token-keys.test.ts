import assert from "node:assert/strict";
import {
  X509Certificate,
  constants,
  createHash,
  createPublicKey,
  createVerify,
  generateKeyPairSync,
  type KeyObject,
  publicEncrypt,
  randomBytes,
  verify,
} from "node:crypto";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { TokenKeyBackend } from "../../src/crypto/key-backend.js";
import { openPkcs11Backend } from "../../src/crypto/pkcs11/pkcs11-key-backend.js";
import { createContext } from "../../src/server/create-context.js";
import { makeByokBlob } from "../support/byok-blob.js";
import { listTokenObjects, type SoftHsmToken, softHsmSkipReason, softHsmToken } from "../support/softhsm.js";
import { AUTHORITY, type TestApp, VAULT_HOST, createTestApp } from "../support/test-app.js";

const API = "api-version=2025-07-01";
const skip = softHsmSkipReason();

interface KeyBundle {
  key: { kid: string; kty: string; n?: string; e?: string; crv?: string; x?: string; y?: string };
}

const publicKeyOf = (bundle: KeyBundle): KeyObject => {
  const { kty, n, e, crv, x, y } = bundle.key;
  const jwk = kty.startsWith("RSA") ? { kty: "RSA", n, e } : { kty: "EC", crv, x, y };
  return createPublicKey({ key: jwk as never, format: "jwk" });
};

/**
 * RSA-HSM and EC-HSM keys of a premium vault made, used and destroyed in a SoftHSM2 token, through the HTTP API:
 * the private part stays in the token (sensitive, never extractable), the store keeps only a reference, a purge
 * destroys the token object, a backup is refused, BYOK blobs import inside the token, and without the token its
 * keys answer 503 while software keys keep working.
 */
describe("HSM keys in a PKCS#11 token", { skip }, () => {
  let token: SoftHsmToken;
  let backend: TokenKeyBackend;
  let t: TestApp;

  before(async () => {
    token = softHsmToken();
    backend = await openPkcs11Backend({ module: token.module, tokenLabel: token.tokenLabel, pin: token.pin });
    t = await createTestApp("production", { tokenBackend: backend });
    await t.ctx.vaults.update("test-vault", { sku: "premium" });
  });
  after(async () => {
    await t?.close();
    await backend?.close();
  });

  const call = async (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown) => {
    const res = await t.app.inject({
      method,
      url: `${path}${path.includes("?") ? "&" : "?"}${API}`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    return { status: res.statusCode, json: res.body ? res.json<any>() : undefined };
  };
  const created = async (name: string, body: object): Promise<KeyBundle> => {
    const res = await call("POST", `/keys/${name}/create`, body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json as KeyBundle;
  };
  const versionOf = (bundle: KeyBundle) => bundle.key.kid.split("/").at(-1)!;
  /** A version's row as the store file holds it: its reference, and how many sealed bytes. */
  const storedRow = (version: string) => {
    const db = new Database(t.storeFile, { readonly: true });
    try {
      return db.prepare("SELECT backend_ref, length(sealed) AS sealed FROM object_versions WHERE version = ?").get(version) as {
        backend_ref: string | null;
        sealed: number;
      };
    } finally {
      db.close();
    }
  };
  const tokenObjects = (label: string) => listTokenObjects(token).filter((o) => o.label === label);
  const sign = async (name: string, alg: string, digest: Buffer) => {
    const res = await call("POST", `/keys/${name}/sign`, { alg, value: digest.toString("base64url") });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return Buffer.from(res.json.value as string, "base64url");
  };

  it("makes an RSA-HSM key in the token, sensitive and never extractable, and stores only its reference", async () => {
    const bundle = await created("rsa-in-token", { kty: "RSA-HSM", key_size: 2048 });
    assert.equal(bundle.key.kty, "RSA-HSM");
    const version = versionOf(bundle);
    const objects = tokenObjects(`test-vault/rsa-in-token/${version}`);
    const privateKey = objects.find((o) => o.kind.startsWith("Private Key Object"));
    assert.ok(privateKey, `the token holds the private key: ${JSON.stringify(objects)}`);
    assert.ok(privateKey.access.includes("sensitive") && privateKey.access.includes("never extractable"), privateKey.access.join());
    const row = storedRow(version);
    assert.match(row.backend_ref ?? "", /^pkcs11:[0-9a-f]+$/);
    assert.ok(row.sealed < 100, `nothing but an empty sealed content is stored (${row.sealed} bytes)`);
    const software = await created("rsa-in-software", { kty: "RSA", key_size: 2048 });
    const softwareRow = storedRow(versionOf(software));
    assert.equal(softwareRow.backend_ref, null);
    assert.ok(softwareRow.sealed > 1000, "a software key's sealed material, for comparison");
  });

  it("signs and decrypts in the token: every RSA algorithm checked with node:crypto", async () => {
    const bundle = await created("rsa-ops", { kty: "RSA-HSM" });
    const publicKey = publicKeyOf(bundle);
    for (const [alg, hash, padding] of [
      ["RS256", "sha256", constants.RSA_PKCS1_PADDING],
      ["PS384", "sha384", constants.RSA_PKCS1_PSS_PADDING],
      ["RS512", "sha512", constants.RSA_PKCS1_PADDING],
    ] as const) {
      const signature = await sign("rsa-ops", alg, createHash(hash).update(alg).digest());
      const verified = createVerify(hash)
        .update(alg)
        .verify({ key: publicKey, padding, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
      assert.ok(verified, `${alg} verifies`);
    }
    const secret = randomBytes(32);
    for (const [alg, oaepHash, padding] of [
      ["RSA-OAEP", "sha1", constants.RSA_PKCS1_OAEP_PADDING],
      ["RSA-OAEP-256", "sha256", constants.RSA_PKCS1_OAEP_PADDING],
      ["RSA1_5", undefined, constants.RSA_PKCS1_PADDING],
    ] as const) {
      const value = publicEncrypt({ key: publicKey, padding, ...(oaepHash && { oaepHash }) }, secret).toString("base64url");
      const decrypted = await call("POST", "/keys/rsa-ops/decrypt", { alg, value });
      assert.equal(decrypted.status, 200, `${alg}: ${JSON.stringify(decrypted.json)}`);
      assert.deepEqual(Buffer.from(decrypted.json.value, "base64url"), secret, alg);
      const unwrapped = await call("POST", "/keys/rsa-ops/unwrapkey", { alg, value });
      assert.deepEqual(Buffer.from(unwrapped.json.value, "base64url"), secret, `${alg} unwrap`);
    }
  });

  it("signs with EC-HSM keys on each curve, checked with node:crypto", async () => {
    for (const [crv, alg, hash] of [
      ["P-256", "ES256", "sha256"],
      ["P-384", "ES384", "sha384"],
      ["P-521", "ES512", "sha512"],
    ] as const) {
      const bundle = await created(`ec-${crv}`, { kty: "EC-HSM", crv });
      assert.equal(bundle.key.kty, "EC-HSM");
      const data = Buffer.from(`data for ${crv}`);
      const signature = await sign(`ec-${crv}`, alg, createHash(hash).update(data).digest());
      assert.ok(verify(hash, data, { key: publicKeyOf(bundle), dsaEncoding: "ieee-p1363" }, signature), `${alg} verifies`);
    }
  });

  it("rotates in the token: the new version is another token object, and both versions sign", async () => {
    const first = await created("rotating", { kty: "EC-HSM", crv: "P-256" });
    const rotated = await call("POST", "/keys/rotating/rotate");
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    const second = rotated.json as KeyBundle;
    assert.notEqual(versionOf(second), versionOf(first));
    assert.equal(tokenObjects(`test-vault/rotating/${versionOf(second)}`).length, 2, "a private and a public object");
    const data = Buffer.from("either version");
    for (const bundle of [first, second]) {
      const signature = await sign(`rotating/${versionOf(bundle)}`, "ES256", createHash("sha256").update(data).digest());
      assert.ok(verify("sha256", data, { key: publicKeyOf(bundle), dsaEncoding: "ieee-p1363" }, signature), versionOf(bundle));
    }
  });

  it("refuses a backup of a token key, and keeps oct-HSM out of the token as Azure keeps it out of premium vaults", async () => {
    await created("not-backed-up", { kty: "RSA-HSM" });
    const backup = await call("POST", "/keys/not-backed-up/backup");
    assert.equal(backup.status, 400);
    assert.match(backup.json.error.message, /held in this deployment's HSM as never extractable/);
    await created("backed-up", { kty: "RSA" });
    assert.equal((await call("POST", "/keys/backed-up/backup")).status, 200, "software keys back up as before");
    const oct = await call("POST", "/keys/oct-hsm/create", { kty: "oct-HSM", key_size: 256 });
    assert.equal(oct.status, 400);
    assert.match(oct.json.error.message, /Managed HSM/);
  });

  it("destroys the token objects when a key is purged, and when its vault is purged", async () => {
    const bundle = await created("purged", { kty: "RSA-HSM" });
    const label = `test-vault/purged/${versionOf(bundle)}`;
    assert.equal(tokenObjects(label).length, 2);
    assert.equal((await call("DELETE", "/keys/purged")).status, 200);
    assert.equal(tokenObjects(label).length, 2, "a soft-deleted key stays in the token: it can be recovered");
    assert.equal((await call("DELETE", "/deletedkeys/purged")).status, 204);
    assert.deepEqual(tokenObjects(label), [], "purged: gone from the token");

    await t.ctx.vaults.create({ name: "doomed-vault", sku: "premium" }, t.principal.id);
    const inDoomed = await t.app.inject({
      method: "POST",
      url: `/keys/k/create?${API}`,
      headers: { host: "doomed-vault.vault.azure.net", authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      payload: JSON.stringify({ kty: "EC-HSM", crv: "P-256" }),
    });
    assert.equal(inDoomed.statusCode, 200, inDoomed.body);
    const doomedLabel = `doomed-vault/k/${versionOf(inDoomed.json<KeyBundle>())}`;
    assert.equal(tokenObjects(doomedLabel).length, 2);
    await t.ctx.vaults.delete("doomed-vault");
    await t.ctx.vaults.purge("doomed-vault");
    assert.equal(await t.ctx.keys.destroyReleasedKeys(() => assert.fail("no destroy fails")), 1);
    assert.deepEqual(tokenObjects(doomedLabel), []);
  });

  it("issues certificates whose keys live in the token; backup is refused and purge destroys them, pending ones too", async () => {
    const policy = (issuer: string) => ({
      policy: {
        key_props: { kty: "RSA-HSM", key_size: 2048, exportable: false },
        secret_props: { contentType: "application/x-pem-file" },
        x509_props: { subject: "CN=hsm.example", validity_months: 12 },
        issuer: { name: issuer },
      },
    });
    const issued = await call("POST", "/certificates/hsm-cert/create", policy("Self"));
    assert.equal(issued.status, 202, JSON.stringify(issued.json));
    const certificate = await call("GET", "/certificates/hsm-cert");
    const x509 = new X509Certificate(Buffer.from(certificate.json.cer as string, "base64"));
    const version = (certificate.json.id as string).split("/").at(-1)!;
    const label = `test-vault/hsm-cert/${version}`;
    assert.equal(tokenObjects(label).length, 2, "the certificate's key is in the token");
    const data = Buffer.from("signed by a certificate's HSM key");
    const signature = await sign("hsm-cert", "RS256", createHash("sha256").update(data).digest());
    assert.ok(verify("sha256", data, x509.publicKey, signature), "the certificate's public key verifies it");
    const secret = await call("GET", "/secrets/hsm-cert");
    assert.doesNotMatch(secret.json.value as string, /PRIVATE KEY/, "a non-exportable certificate's secret has no key");

    const backup = await call("POST", "/certificates/hsm-cert/backup");
    assert.equal(backup.status, 400);
    assert.match(backup.json.error.message, /held in this deployment's HSM as never extractable/);

    const pending = await call("POST", "/certificates/hsm-pending/create", policy("Unknown"));
    assert.equal(pending.status, 202, JSON.stringify(pending.json));
    assert.equal(pending.json.status, "inProgress");
    assert.equal((await call("POST", "/certificates/hsm-pending/backup")).status, 400, "a pending version's CSR key is in the token too");

    for (const name of ["hsm-cert", "hsm-pending"]) {
      assert.equal((await call("DELETE", `/certificates/${name}`)).status, 200);
      assert.equal((await call("DELETE", `/deletedcertificates/${name}`)).status, 204);
    }
    assert.deepEqual(tokenObjects(label), [], "purged with its certificate");
    assert.deepEqual(
      listTokenObjects(token).filter((o) => o.label.startsWith("test-vault/hsm-pending/")),
      [],
      "the pending version's key is gone",
    );
  });

  it("imports a BYOK transfer blob inside the token, and refuses one wrapped for another key-exchange key", async () => {
    const kek = await created("kek", { kty: "RSA-HSM", key_size: 3072, key_ops: ["import"] });
    const otherKek = await created("other-kek", { kty: "RSA-HSM", key_size: 2048, key_ops: ["import"] });
    const target = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const blob = makeByokBlob(publicKeyOf(kek), kek.key.kid, target.privateKey);
    const imported = await call("PUT", "/keys/brought", {
      key: { kty: "RSA-HSM", key_ops: ["sign", "verify"], key_hsm: blob.toString("base64url") },
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.json));
    assert.equal(imported.json.key.kty, "RSA-HSM");
    assert.equal(imported.json.key.n, target.publicKey.export({ format: "jwk" }).n, "the target key's modulus");
    const data = Buffer.from("brought your own key");
    const signature = await sign("brought", "RS256", createHash("sha256").update(data).digest());
    assert.ok(verify("sha256", data, target.publicKey, signature), "the imported key signs as the original");
    const imports = tokenObjects(`test-vault/brought/${versionOf(imported.json as KeyBundle)}`);
    assert.ok(imports.some((o) => o.kind.startsWith("Private Key Object") && o.access.includes("sensitive")));

    // Wrapped to the other KEK's public key but naming the first: the token cannot unwrap it.
    const misdirected = makeByokBlob(publicKeyOf(otherKek), kek.key.kid, target.privateKey);
    const refused = await call("PUT", "/keys/misdirected", { key: { kty: "RSA-HSM", key_hsm: misdirected.toString("base64url") } });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /could not be unwrapped with the key-exchange key 'kek'/);
    assert.equal((await call("GET", "/keys/misdirected")).status, 404, "nothing was stored");

    const signingKek = await created("signing-kek", { kty: "RSA-HSM" });
    const wrongKek = makeByokBlob(publicKeyOf(signingKek), signingKek.key.kid, target.privateKey);
    const notImportOnly = await call("PUT", "/keys/wrong-kek", { key: { kty: "RSA-HSM", key_hsm: wrongKek.toString("base64url") } });
    assert.equal(notImportOnly.status, 403, JSON.stringify(notImportOnly.json));
    const garbage = await call("PUT", "/keys/garbage", { key: { kty: "RSA-HSM", key_hsm: Buffer.from("not json").toString("base64url") } });
    assert.equal(garbage.status, 400);
    assert.match(garbage.json.error.message, /key transfer blob \(key_hsm\) is not valid/);
  });

  it("answers 503 for token keys when the deployment no longer configures the token, while software keys keep working", async () => {
    await created("needs-token", { kty: "RSA-HSM" });
    await created("software-only", { kty: "RSA" });
    const withoutToken = await createContext(t.store, {
      mode: "production",
      masterKey: t.masterKey,
      vaultDomains: ["vault.azure.net"],
      defaultVault: "test-vault",
      authorityUrl: AUTHORITY,
      vaultUriTemplate: "https://{name}.vault.azure.net",
      tokenLifetimeSeconds: 3600,
      logLevel: "silent",
      serveNewerApiVersions: false,
    });
    const vault = (await withoutToken.vaults.find("test-vault"))!;
    const digest = createHash("sha256").update("x").digest();
    await assert.rejects(withoutToken.keys.sign(vault, "needs-token", null, "RS256", digest), (e: { status?: number; code?: string }) => {
      assert.equal(e.status, 503);
      assert.equal(e.code, "ServiceUnavailable");
      return true;
    });
    await assert.rejects(withoutToken.keys.rotate(vault, "needs-token"), (e: { status?: number }) => e.status === 503);
    assert.equal((await withoutToken.keys.sign(vault, "software-only", null, "RS256", digest)).value.length, 256);

    // Purged where the token is not configured: its reference waits, quietly, for a deployment that has the token.
    await withoutToken.keys.lifecycle.delete(vault, "needs-token");
    await withoutToken.keys.lifecycle.purge(vault, "needs-token");
    assert.equal(await withoutToken.keys.destroyReleasedKeys(() => assert.fail("nothing is tried without the token")), 0);
    assert.equal(await t.ctx.keys.destroyReleasedKeys(() => assert.fail("the token destroys it")), 1);
  });
});
