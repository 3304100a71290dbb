import assert from "node:assert/strict";
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  publicEncrypt,
  randomBytes,
  verify as nodeVerify,
} from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { CryptographyClient, JsonWebKey, KeyClient, KeyVaultKey } from "@azure/keyvault-keys";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { fetchAs, keyClientFor } from "../support/keys-sdk.js";

/** The vault's public key as a node KeyObject, from the JWK it returned. */
function publicKeyOf(key: KeyVaultKey) {
  const jwk = key.key as JsonWebKey;
  const b = (v: Uint8Array | undefined) => Buffer.from(v!).toString("base64url");
  const crv = jwk.crv === "P-256K" ? "secp256k1" : jwk.crv;
  return createPublicKey({
    key: jwk.kty?.startsWith("RSA") ? { kty: "RSA", n: b(jwk.n), e: b(jwk.e) } : { kty: "EC", crv: crv!, x: b(jwk.x), y: b(jwk.y) },
    format: "jwk",
  });
}

const HASH = { 32: "sha256", 48: "sha384", 64: "sha512" } as const;

/** Every CryptographyClient operation, cross-checked with node:crypto in both directions. */
describe("CryptographyClient against a live server, cross-checked with node:crypto", () => {
  let server: DevServer;
  let client: KeyClient;
  let crypto: (key: KeyVaultKey | string) => CryptographyClient;
  let rsa: KeyVaultKey;

  before(async () => {
    server = await startDevServer();
    ({ client, crypto } = keyClientFor(server));
    rsa = await client.createRsaKey("crypto-rsa", { keySize: 2048 });
  });
  after(async () => {
    await server.stop();
  });

  for (const alg of ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"] as const) {
    it(`${alg}: the vault decrypts what node encrypted with the public JWK, and its own ciphertext`, async () => {
      const plaintext = randomBytes(32);
      const padding = alg === "RSA1_5" ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_OAEP_PADDING;
      const local = publicEncrypt({ key: publicKeyOf(rsa), padding, oaepHash: alg === "RSA-OAEP-256" ? "sha256" : "sha1" }, plaintext);
      const c = crypto(rsa.id!);
      assert.deepEqual(Buffer.from((await c.decrypt({ algorithm: alg, ciphertext: local })).result), plaintext);
      const remote = await c.encrypt({ algorithm: alg, plaintext });
      assert.deepEqual(Buffer.from((await c.decrypt({ algorithm: alg, ciphertext: remote.result })).result), plaintext);
      const wrapped = await c.wrapKey(alg, plaintext);
      assert.deepEqual(Buffer.from((await c.unwrapKey(alg, wrapped.result)).result), plaintext);
      const localWrapped = publicEncrypt(
        { key: publicKeyOf(rsa), padding, oaepHash: alg === "RSA-OAEP-256" ? "sha256" : "sha1" },
        plaintext,
      );
      assert.deepEqual(Buffer.from((await c.unwrapKey(alg, localWrapped)).result), plaintext);
    });
  }

  it("gives one opaque error for a failing OAEP decrypt, and no padding oracle for RSA1_5", async () => {
    const c = crypto(rsa.id!);
    const garbage = randomBytes(256);
    await assert.rejects(
      c.decrypt({ algorithm: "RSA-OAEP", ciphertext: garbage }),
      (e: { statusCode?: number; code?: string; message?: string }) => {
        assert.equal(e.statusCode, 400);
        assert.equal(e.code, "BadParameter");
        assert.match(e.message!, /^The decrypt operation failed\.$/);
        return true;
      },
    );
    garbage[0] = 0; // below the modulus, so only the padding is wrong
    const a = await c.decrypt({ algorithm: "RSA1_5", ciphertext: garbage });
    const b = await c.decrypt({ algorithm: "RSA1_5", ciphertext: garbage });
    assert.deepEqual(a.result, b.result, "implicit rejection: a bad padding yields the same synthetic message every time");
  });

  const signers: [string, () => Promise<KeyVaultKey>][] = [
    ["RS256", () => Promise.resolve(rsa)],
    ["RS384", () => Promise.resolve(rsa)],
    ["RS512", () => Promise.resolve(rsa)],
    ["PS256", () => Promise.resolve(rsa)],
    ["PS384", () => Promise.resolve(rsa)],
    ["PS512", () => Promise.resolve(rsa)],
    ["ES256", () => client.createEcKey("sign-p256", { curve: "P-256" })],
    ["ES256K", () => client.createEcKey("sign-p256k", { curve: "P-256K" })],
    ["ES384", () => client.createEcKey("sign-p384", { curve: "P-384" })],
    ["ES512", () => client.createEcKey("sign-p521", { curve: "P-521" })],
  ];
  for (const [alg, makeKey] of signers) {
    it(`${alg}: vault signatures verify in node, node signatures verify in the vault, forgeries fail`, async () => {
      const key = await makeKey();
      const c = crypto(key.id!);
      const data = randomBytes(100);
      const digestBytes = alg.endsWith("256") || alg === "ES256K" ? 32 : alg.endsWith("384") ? 48 : 64;
      const hash = HASH[digestBytes];
      const digest = createHash(hash).update(data).digest();
      const signed = await c.sign(alg, digest);
      const options = alg.startsWith("ES")
        ? { key: publicKeyOf(key), dsaEncoding: "ieee-p1363" as const }
        : alg.startsWith("PS")
          ? { key: publicKeyOf(key), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digestBytes }
          : { key: publicKeyOf(key) };
      assert.ok(nodeVerify(hash, data, options, signed.result), "node verifies the vault's signature");
      assert.ok((await c.verify(alg, digest, signed.result)).result, "the vault verifies its own signature");
      const forged = Buffer.from(signed.result);
      forged[forged.length - 1]! ^= 1;
      assert.equal((await c.verify(alg, digest, forged)).result, false, "a forged signature is rejected");
      const otherDigest = createHash(hash).update("other").digest();
      assert.equal((await c.verify(alg, otherDigest, signed.result)).result, false);
      const data2 = await c.signData(alg, data);
      assert.ok(nodeVerify(hash, data, options, data2.result), "signData hashes as node does");
      await assert.rejects(
        c.sign(alg, digest.subarray(1)),
        (e: { statusCode?: number }) => e.statusCode === 400,
        "digest length must match",
      );
    });
  }

  it("refuses algorithms that do not fit the key", async () => {
    const ec = await client.getKey("sign-p256");
    await assert.rejects(crypto(ec.id!).sign("ES384", randomBytes(48)), (e: { statusCode?: number }) => e.statusCode === 400);
    await assert.rejects(crypto(ec.id!).sign("RS256", randomBytes(32)), (e: { statusCode?: number }) => e.statusCode === 400);
    await assert.rejects(
      crypto(rsa.id!).encrypt({ algorithm: "A256GCM", plaintext: randomBytes(8) }),
      (e: { statusCode?: number }) => e.statusCode === 400,
    );
  });

  describe("AES on an imported oct key agrees with node's AES", () => {
    for (const bits of [128, 192, 256] as const) {
      it(`A${bits}GCM, A${bits}CBC, A${bits}CBCPAD and A${bits}KW`, async () => {
        const k = randomBytes(bits / 8);
        const key = await client.importKey(`aes-${bits}`, { kty: "oct", k, keyOps: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] });
        const c = crypto(key.id!);
        const plaintext = randomBytes(64);
        const aad = randomBytes(12);

        const gcm = await c.encrypt({ algorithm: `A${bits}GCM`, plaintext, additionalAuthenticatedData: aad });
        assert.equal(gcm.iv?.length, 12);
        assert.equal(gcm.authenticationTag?.length, 16);
        const local = createDecipheriv(`aes-${bits}-gcm`, k, gcm.iv).setAAD(aad).setAuthTag(Buffer.from(gcm.authenticationTag));
        assert.deepEqual(Buffer.concat([local.update(gcm.result), local.final()]), plaintext, "node decrypts the vault's GCM");
        const iv = randomBytes(12);
        const cipher = createCipheriv(`aes-${bits}-gcm`, k, iv).setAAD(aad);
        const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        const back = await c.decrypt({
          algorithm: `A${bits}GCM`,
          ciphertext: ct,
          iv,
          additionalAuthenticatedData: aad,
          authenticationTag: cipher.getAuthTag(),
        });
        assert.deepEqual(Buffer.from(back.result), plaintext, "the vault decrypts node's GCM");
        await assert.rejects(
          c.decrypt({
            algorithm: `A${bits}GCM`,
            ciphertext: ct,
            iv,
            additionalAuthenticatedData: randomBytes(12),
            authenticationTag: cipher.getAuthTag(),
          }),
          (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && e.message === "The decrypt operation failed.",
        );

        for (const pad of [false, true]) {
          const alg = `A${bits}CBC${pad ? "PAD" : ""}` as const;
          const cbcIv = randomBytes(16);
          const body = pad ? randomBytes(37) : plaintext;
          const enc = await c.encrypt({ algorithm: alg, plaintext: body, iv: cbcIv });
          const expected = createCipheriv(`aes-${bits}-cbc`, k, cbcIv).setAutoPadding(pad);
          assert.deepEqual(Buffer.from(enc.result), Buffer.concat([expected.update(body), expected.final()]), `${alg} matches node`);
          const dec = await c.decrypt({ algorithm: alg, ciphertext: enc.result, iv: cbcIv });
          assert.deepEqual(Buffer.from(dec.result), body);
        }
        await assert.rejects(
          c.encrypt({ algorithm: `A${bits}CBC`, plaintext: randomBytes(17), iv: randomBytes(16) }),
          (e: { statusCode?: number }) => e.statusCode === 400,
        );

        const cek = randomBytes(32);
        const wrapped = await c.wrapKey(`A${bits}KW`, cek);
        const kw = createCipheriv(`id-aes${bits}-wrap`, k, Buffer.from("A6A6A6A6A6A6A6A6", "hex"));
        assert.deepEqual(Buffer.from(wrapped.result), Buffer.concat([kw.update(cek), kw.final()]), "RFC 3394 wrap matches node");
        assert.deepEqual(Buffer.from((await c.unwrapKey(`A${bits}KW`, wrapped.result)).result), cek);
      });
    }
  });

  describe("rules as Azure", () => {
    it("refuses operations outside key_ops with 403 KeyOperationForbidden", async () => {
      const key = await client.createRsaKey("verify-only", { keyOps: ["verify", "encrypt"] });
      // The SDK checks key_ops itself before calling; a client built from a string id does not know them yet.
      const c = crypto(`${key.id}`);
      await assert.rejects(c.sign("RS256", randomBytes(32)), /sign|not (permitted|supported)/i);
      const raw = await fetchAs(server, "POST", `/keys/verify-only/sign`, { alg: "RS256", value: randomBytes(32).toString("base64url") });
      assert.equal(raw.status, 403);
      assert.equal(raw.body.error.code, "Forbidden");
      assert.equal(raw.body.error.innererror.code, "KeyOperationForbidden");
    });

    it("refuses a disabled key (403) and private-key operations outside nbf/exp (403), allows public ones", async () => {
      const key = await client.createRsaKey("time-boxed");
      await client.updateKeyProperties("time-boxed", key.properties.version!, { enabled: false });
      const disabled = await fetchAs(server, "POST", "/keys/time-boxed/sign", {
        alg: "RS256",
        value: randomBytes(32).toString("base64url"),
      });
      assert.equal(disabled.status, 403);
      await client.updateKeyProperties("time-boxed", key.properties.version!, { enabled: true, expiresOn: new Date(Date.now() - 60_000) });
      const expired = await fetchAs(server, "POST", "/keys/time-boxed/sign", {
        alg: "RS256",
        value: randomBytes(32).toString("base64url"),
      });
      assert.equal(expired.status, 403);
      assert.equal(expired.body.error.innererror.code, "KeyExpired");
      const publicOp = await fetchAs(server, "POST", "/keys/time-boxed/encrypt", {
        alg: "RSA-OAEP-256",
        value: randomBytes(16).toString("base64url"),
      });
      assert.equal(publicOp.status, 200, "encrypt (a public-key operation) still works after exp");
      await client.updateKeyProperties("time-boxed", key.properties.version!, {
        expiresOn: new Date(Date.now() + 86_400_000),
        notBefore: new Date(Date.now() + 3_600_000),
      });
      const early = await fetchAs(server, "POST", "/keys/time-boxed/decrypt", {
        alg: "RSA-OAEP-256",
        value: randomBytes(256).toString("base64url"),
      });
      assert.equal(early.status, 403);
      assert.equal(early.body.error.innererror.code, "KeyNotYetValid");
    });

    it("answers 404 KeyNotFound for a missing key", async () => {
      const missing = await fetchAs(server, "POST", "/keys/nowhere/sign", { alg: "RS256", value: randomBytes(32).toString("base64url") });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "KeyNotFound");
    });
  });
});
