import assert from "node:assert/strict";
import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  publicEncrypt,
  randomBytes,
  verify,
  X509Certificate,
} from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CertificatePolicy } from "@azure/keyvault-certificates";
import type { CryptographyClient, KeyClient, KeyVaultKey } from "@azure/keyvault-keys";
import Database from "better-sqlite3";
import { makeByokBlob } from "../support/byok-blob.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { bytes, keyClientFor } from "../support/keys-sdk.js";
import { certificateClientFor } from "../support/sdk.js";
import { listTokenObjects, SOFTHSM_MODULE, type SoftHsmToken, softHsmSkipReason } from "../support/softhsm.js";

const VAULT = "keyhold-dev";
const fast = { intervalInMs: 20, updateIntervalInMs: 20 };

/** The public half of a key the vault returned, as node:crypto's KeyObject. */
function publicKeyOf(key: KeyVaultKey): KeyObject {
  const jwk = key.key!;
  const b64 = (value: Uint8Array | undefined) => bytes(value).toString("base64url");
  const parts = jwk.kty!.startsWith("RSA")
    ? { kty: "RSA", n: b64(jwk.n), e: b64(jwk.e) }
    : { kty: "EC", crv: jwk.crv, x: b64(jwk.x), y: b64(jwk.y) };
  return createPublicKey({ key: parts as never, format: "jwk" });
}

/** The signature algorithms checked here: the hash they sign, and how node:crypto verifies them. */
const SIGNATURES = {
  RS256: { hash: "sha256", padding: constants.RSA_PKCS1_PADDING },
  PS256: { hash: "sha256", padding: constants.RSA_PKCS1_PSS_PADDING },
  ES256: { hash: "sha256", dsaEncoding: "ieee-p1363" },
  ES384: { hash: "sha384", dsaEncoding: "ieee-p1363" },
  ES512: { hash: "sha512", dsaEncoding: "ieee-p1363" },
} as const;

/** Whether node:crypto, with the public key alone, accepts `signature` of `data` under `alg`. */
function verifiedLocally(alg: keyof typeof SIGNATURES, data: Buffer, publicKey: KeyObject, signature: Uint8Array): boolean {
  const { hash, ...options } = SIGNATURES[alg];
  return verify(hash, data, { key: publicKey, saltLength: constants.RSA_PSS_SALTLEN_DIGEST, ...options }, signature);
}

const restError = (statusCode: number, code: string, message?: RegExp) => (e: { statusCode?: number; code?: string; message?: string }) => {
  assert.equal(e.statusCode, statusCode, e.message);
  assert.equal(e.code, code, e.message);
  if (message) assert.match(e.message ?? "", message);
  return true;
};

/**
 * RSA-HSM and EC-HSM keys of keyhold-dev (a premium vault) kept in the SoftHSM2 token of `keyhold dev --hsm softhsm`,
 * through the official SDK over TLS: made, used, rotated and purged in the token, never stored in the database,
 * never backed up; certificates with token keys; BYOK blobs; and the server started without the token.
 */
describe("HSM keys in dev mode's SoftHSM2 token, through the Azure SDK", { skip: softHsmSkipReason() }, () => {
  let server: DevServer;
  let keys: KeyClient;
  let crypto: (key: KeyVaultKey | string) => CryptographyClient;
  let token: SoftHsmToken;

  before(async () => {
    server = await startDevServer(undefined, ["--hsm", "softhsm"]);
    ({ client: keys, crypto } = keyClientFor(server));
    const credentials = JSON.parse(readFileSync(join(server.dir, "dev-identities.json"), "utf8")) as { hsm: { pin: string } };
    token = { module: SOFTHSM_MODULE, tokenLabel: VAULT, pin: credentials.hsm.pin, dir: join(server.dir, "softhsm"), cleanup: () => {} };
  });
  after(async () => {
    await server?.stop();
  });

  const versionOf = (key: KeyVaultKey) => key.properties.version!;
  const tokenObjects = (name: string, version: string) => listTokenObjects(token).filter((o) => o.label === `${VAULT}/${name}/${version}`);
  /** A version's row as DIR/keyhold.db (with its WAL) holds it: the backend reference and the sealed content's size. */
  const storedRow = (version: string) => {
    const db = new Database(join(server.dir, "keyhold.db"), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare("SELECT backend_ref, length(sealed) AS sealed FROM object_versions WHERE version = ?").get(version);
      return row as { backend_ref: string | null; sealed: number };
    } finally {
      db.close();
    }
  };
  /** Every byte of the store: the database file and its write-ahead log. */
  const storeBytes = () => {
    const files = ["keyhold.db", "keyhold.db-wal"].map((file) => join(server.dir, file)).filter((file) => existsSync(file));
    return Buffer.concat(files.map((file) => readFileSync(file)));
  };
  const signedAndVerified = async (key: KeyVaultKey, alg: keyof typeof SIGNATURES) => {
    const data = Buffer.from(`signed with ${alg} by ${key.name}`);
    const client = crypto(key.id!);
    const { result } = await client.sign(alg, createHash(SIGNATURES[alg].hash).update(data).digest());
    assert.ok(verifiedLocally(alg, data, publicKeyOf(key), result), `${alg} by ${key.id} verifies with node:crypto`);
    const { result: valid } = await client.verify(alg, createHash(SIGNATURES[alg].hash).update(data).digest(), result);
    assert.equal(valid, true, `${alg}: the SDK's verify`);
  };

  it("makes RSA-HSM keys in the token, sensitive and never extractable, and the store keeps only a reference", async () => {
    await server.outputWith(`-HSM keys in premium vaults live in the SoftHSM2 token ${VAULT}`);
    for (const keySize of [2048, 3072]) {
      const name = `rsa-${keySize}`;
      const key = await keys.createRsaKey(name, { hsm: true, keySize });
      assert.equal(key.keyType, "RSA-HSM");
      assert.equal(bytes(key.key!.n).length, keySize / 8);
      const objects = tokenObjects(name, versionOf(key));
      const privateKey = objects.find((o) => o.kind.startsWith("Private Key Object"));
      assert.ok(privateKey, `the token holds the private key: ${JSON.stringify(objects)}`);
      assert.ok(privateKey.access.includes("sensitive"), privateKey.access.join());
      assert.ok(privateKey.access.includes("never extractable"), privateKey.access.join());
      assert.ok(!privateKey.access.includes("extractable"), `CKA_EXTRACTABLE is false: ${privateKey.access.join()}`);
      assert.ok(
        objects.some((o) => o.kind.startsWith("Public Key Object")),
        "and its public half",
      );
      const row = storedRow(versionOf(key));
      assert.match(row.backend_ref ?? "", /^pkcs11:[0-9a-f]+$/);
      assert.equal(row.backend_ref, `pkcs11:${privateKey.id}`, "the reference is the token object's CKA_ID");
      assert.ok(row.sealed < 100, `no private material is sealed (${row.sealed} bytes)`);
      assert.ok(storeBytes().includes(Buffer.from(row.backend_ref)), "the reference is in the store's files");
    }
    const software = await keys.createRsaKey("rsa-software", { keySize: 2048 });
    const softwareRow = storedRow(versionOf(software));
    assert.equal(softwareRow.backend_ref, null);
    assert.ok(softwareRow.sealed > 1000, `a software key's sealed material, for comparison (${softwareRow.sealed} bytes)`);
  });

  it("signs and verifies in the token: RS256 and PS256 with RSA-HSM, ES256/384/512 with EC-HSM, each checked by node:crypto", async () => {
    const rsa = await keys.createRsaKey("rsa-signer", { hsm: true, keySize: 2048 });
    await signedAndVerified(rsa, "RS256");
    await signedAndVerified(rsa, "PS256");
    for (const [curve, alg] of [
      ["P-256", "ES256"],
      ["P-384", "ES384"],
      ["P-521", "ES512"],
    ] as const) {
      const ec = await keys.createEcKey(`ec-${curve}`, { hsm: true, curve });
      assert.equal(ec.keyType, "EC-HSM");
      assert.equal(ec.key!.crv, curve);
      assert.ok(
        tokenObjects(`ec-${curve}`, versionOf(ec)).some((o) => o.kind.startsWith("Private Key Object")),
        `${curve} in the token`,
      );
      await signedAndVerified(ec, alg);
    }
  });

  it("decrypts and unwraps in the token what the SDK and node:crypto encrypted: RSA-OAEP, RSA-OAEP-256, RSA1_5", async () => {
    const rsa = await keys.createRsaKey("rsa-decrypter", { hsm: true, keySize: 2048 });
    const client = crypto(rsa.id!);
    for (const [alg, oaepHash, padding] of [
      ["RSA-OAEP", "sha1", constants.RSA_PKCS1_OAEP_PADDING],
      ["RSA-OAEP-256", "sha256", constants.RSA_PKCS1_OAEP_PADDING],
      ["RSA1_5", undefined, constants.RSA_PKCS1_PADDING],
    ] as const) {
      const plaintext = randomBytes(32);
      const bySdk = await client.encrypt({ algorithm: alg, plaintext });
      assert.deepEqual(Buffer.from((await client.decrypt({ algorithm: alg, ciphertext: bySdk.result })).result), plaintext, alg);
      const byNode = publicEncrypt({ key: publicKeyOf(rsa), padding, ...(oaepHash && { oaepHash }) }, plaintext);
      assert.deepEqual(Buffer.from((await client.decrypt({ algorithm: alg, ciphertext: byNode })).result), plaintext, `${alg}, node`);
      const wrapped = await client.wrapKey(alg, plaintext);
      assert.deepEqual(Buffer.from((await client.unwrapKey(alg, wrapped.result)).result), plaintext, `${alg} unwrap`);
      assert.deepEqual(Buffer.from((await client.unwrapKey(alg, byNode)).result), plaintext, `${alg} unwrap, node`);
    }
  });

  it("rotates in the token: the new version is another token object, both versions sign; a purge removes them all", async () => {
    const first = await keys.createEcKey("rotating", { hsm: true, curve: "P-256" });
    const second = await keys.rotateKey("rotating");
    assert.notEqual(versionOf(second), versionOf(first));
    assert.equal(second.keyType, "EC-HSM");
    assert.equal(tokenObjects("rotating", versionOf(second)).length, 2, "a private and a public object");
    assert.equal(storedRow(versionOf(second)).backend_ref, `pkcs11:${tokenObjects("rotating", versionOf(second))[0]!.id}`);
    await signedAndVerified(first, "ES256");
    await signedAndVerified(second, "ES256");

    await (await keys.beginDeleteKey("rotating", fast)).pollUntilDone();
    assert.equal(tokenObjects("rotating", versionOf(first)).length, 2, "a soft-deleted key stays in the token: it can be recovered");
    await keys.purgeDeletedKey("rotating");
    for (const key of [first, second]) assert.deepEqual(tokenObjects("rotating", versionOf(key)), [], `${versionOf(key)} is gone`);
    assert.equal(storedRow(versionOf(first)), undefined, "and from the store");
  });

  it("issues a self-signed certificate whose RSA-HSM key is in the token and signs there; a purge destroys it", async () => {
    const certificates = certificateClientFor(server);
    const policy: CertificatePolicy = {
      issuerName: "Self",
      subject: "CN=hsm.example",
      keyType: "RSA-HSM",
      keySize: 2048,
      exportable: false,
    };
    const created = await (await certificates.beginCreateCertificate("hsm-cert", policy, fast)).pollUntilDone();
    const version = created.properties.version!;
    assert.equal(created.keyId, `${server.env.KEY_VAULT_URL}/keys/hsm-cert/${version}`);
    const objects = tokenObjects("hsm-cert", version);
    const privateKey = objects.find((o) => o.kind.startsWith("Private Key Object"));
    assert.ok(privateKey?.access.includes("sensitive") && privateKey.access.includes("never extractable"), JSON.stringify(objects));
    assert.equal((await keys.getKey("hsm-cert")).keyType, "RSA-HSM");

    const data = Buffer.from("signed by the certificate's key");
    const { result } = await crypto(created.keyId).sign("RS256", createHash("sha256").update(data).digest());
    const certificate = new X509Certificate(created.cer!);
    assert.ok(verify("sha256", data, certificate.publicKey, result), "the certificate's public key verifies the token's signature");
    assert.ok(certificate.verify(certificate.publicKey), "self-signed in the token");

    await (await certificates.beginDeleteCertificate("hsm-cert", fast)).pollUntilDone();
    await certificates.purgeDeletedCertificate("hsm-cert");
    assert.deepEqual(tokenObjects("hsm-cert", version), [], "purged: its key objects are gone from the token");
  });

  it("refuses to back up an RSA-HSM key, and still backs up a software key", async () => {
    await keys.createRsaKey("not-backed-up", { hsm: true, keySize: 2048 });
    await assert.rejects(
      keys.backupKey("not-backed-up"),
      restError(
        400,
        "BadParameter",
        /'not-backed-up'.* is held in this deployment's HSM as never extractable, so it cannot be put in a backup blob/,
      ),
    );
    await keys.createEcKey("backed-up", { curve: "P-256" });
    assert.ok(((await keys.backupKey("backed-up"))?.length ?? 0) > 100, "a software key's backup blob");
  });

  it("imports a BYOK blob into the token through importKey, signs with it, and refuses a blob wrapped to another KEK", async () => {
    const kek = await keys.createRsaKey("kek", { hsm: true, keySize: 3072, keyOps: ["import"] });
    assert.deepEqual(kek.keyOperations, ["import"]);
    const target = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const blob = makeByokBlob(kek.key!, kek.id!, target.privateKey);
    const brought = await keys.importKey("brought", { kty: "RSA-HSM", t: blob, keyOps: ["sign", "verify"] });
    assert.equal(brought.keyType, "RSA-HSM");
    assert.equal(bytes(brought.key!.n).toString("base64url"), target.publicKey.export({ format: "jwk" }).n, "the target's modulus");
    const data = Buffer.from("brought your own key");
    const { result } = await crypto(brought.id!).sign("RS256", createHash("sha256").update(data).digest());
    assert.ok(verify("sha256", data, target.publicKey, result), "signs as the original key");
    const objects = tokenObjects("brought", versionOf(brought));
    assert.ok(
      objects.some((o) => o.kind.startsWith("Private Key Object") && o.access.includes("sensitive")),
      JSON.stringify(objects),
    );

    const row = storedRow(versionOf(brought));
    assert.match(row.backend_ref ?? "", /^pkcs11:[0-9a-f]+$/);
    assert.ok(row.sealed < 100, `no private material is sealed (${row.sealed} bytes)`);
    const privateJwk = target.privateKey.export({ format: "jwk" });
    const store = storeBytes();
    assert.ok(store.includes(Buffer.from(privateJwk.n!)), "the scan sees the key's public modulus, which is stored");
    for (const part of ["d", "p", "q"] as const) {
      const value = Buffer.from(privateJwk[part]!, "base64url");
      for (const form of [value, Buffer.from(value.toString("base64url")), Buffer.from(value.toString("base64"))])
        assert.ok(!store.includes(form), `the target's ${part} is nowhere in the store`);
    }

    const otherKek = await keys.createRsaKey("other-kek", { hsm: true, keySize: 2048, keyOps: ["import"] });
    const misdirected = makeByokBlob(otherKek.key!, kek.id!, target.privateKey);
    await assert.rejects(
      keys.importKey("misdirected", { kty: "RSA-HSM", t: misdirected }),
      restError(400, "BadParameter", /could not be unwrapped with the key-exchange key 'kek'/),
    );
    await assert.rejects(keys.getKey("misdirected"), restError(404, "KeyNotFound"), "nothing was stored");
  });

  it("restarted without --hsm: RSA-HSM keys answer 503 ServiceUnavailable, software keys still sign", async () => {
    const inToken = await keys.createRsaKey("needs-token", { hsm: true, keySize: 2048 });
    const software = await keys.createRsaKey("software-only", { keySize: 2048 });
    assert.equal(await server.stop(), 0, server.output());
    server = await startDevServer(server.dir);
    const noRetries = keyClientFor(server, { retryOptions: { maxRetries: 0 } });
    const data = Buffer.from("without the token");
    const digest = createHash("sha256").update(data).digest();
    await assert.rejects(noRetries.crypto(inToken.id!).sign("RS256", digest), restError(503, "ServiceUnavailable"));
    const { result } = await noRetries.crypto(software.id!).sign("RS256", digest);
    assert.ok(verify("sha256", data, publicKeyOf(software), result), "the software key signs as before");
  });
});
