import assert from "node:assert/strict";
import {
  constants,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { describe, it } from "node:test";
import { loadPrivateKey, rsaPkcs1Decrypt, rsaPkcs1DecodeImplicit } from "../../src/crypto/openssl-native.js";
import { RSA_GUIDANCE_KEY_PEM, RSA_GUIDANCE_VECTORS } from "../support/rsa-guidance-vectors.js";

/**
 * rsaPkcs1DecodeImplicit is rsaPkcs1Decrypt cut in two: the raw RSA decryption and the key derivation key (KDK) come
 * from outside (a token, in the PKCS#11 backend). Cross-checked here by doing those two with node:crypto exactly as
 * rsaPkcs1Decrypt does inside: KDK = HMAC-SHA256(key = SHA256(I2OSP(d, k)), C as k bytes).
 */
interface RsaKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  k: number;
  /** The private exponent as k big-endian bytes. */
  d: Buffer;
}

function rsaKey(privateKey: KeyObject): RsaKey {
  // Re-imported from DER before the JWK export (exporting a freshly generated key can stall under GC in Node 20).
  const reimported = createPrivateKey({ key: privateKey.export({ format: "der", type: "pkcs8" }), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(reimported);
  const k = Math.ceil(reimported.asymmetricKeyDetails!.modulusLength! / 8);
  const d = Buffer.from(reimported.export({ format: "jwk" }).d!, "base64url");
  return { privateKey: reimported, publicKey, k, d: Buffer.concat([Buffer.alloc(k - d.length), d]) };
}

const leftPad = (bytes: Buffer, k: number): Buffer => Buffer.concat([Buffer.alloc(k - bytes.length), bytes]);

const kdkOf = (key: RsaKey, ciphertext: Buffer): Buffer =>
  createHmac("sha256", createHash("sha256").update(key.d).digest()).update(leftPad(ciphertext, key.k)).digest();

const rawDecrypt = (key: RsaKey, ciphertext: Buffer): Buffer =>
  privateDecrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, leftPad(ciphertext, key.k));

const decodeOutside = (key: RsaKey, ciphertext: Buffer): Buffer =>
  rsaPkcs1DecodeImplicit(rawDecrypt(key, ciphertext), kdkOf(key, ciphertext), key.k);

const decryptInside = (key: RsaKey, ciphertext: Buffer): Promise<Buffer> =>
  rsaPkcs1Decrypt(loadPrivateKey(key.privateKey.export({ format: "der", type: "pkcs8" })), ciphertext);

const rsa2048 = rsaKey(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
const rsa3072 = rsaKey(generateKeyPairSync("rsa", { modulusLength: 3072 }).privateKey);
const guidanceKey = rsaKey(createPrivateKey(RSA_GUIDANCE_KEY_PEM));

function nonZeroBytes(length: number): Buffer {
  const bytes = randomBytes(length);
  for (let i = 0; i < length; i++) if (bytes[i] === 0) bytes[i] = 1 + (i % 255);
  return bytes;
}

/** A ciphertext of an encoded message we build ourselves: the padding valid or not. */
const rawEncrypt = (key: RsaKey, em: Buffer): Buffer => publicEncrypt({ key: key.publicKey, padding: constants.RSA_NO_PADDING }, em);

function encoded(k: number, parts: { first?: number; type?: number; psLength: number; separator?: boolean; message: Buffer }): Buffer {
  const { first = 0, type = 2, psLength, separator = true, message } = parts;
  const em = Buffer.concat([Buffer.from([first, type]), nonZeroBytes(psLength), Buffer.from(separator ? [0] : []), message]);
  assert.equal(em.length, k);
  return em;
}

/** Ciphertexts whose padding is wrong in each way RFC 8017 §7.2.2 checks, and random ones. */
function invalidCiphertexts(key: RsaKey): Array<[string, Buffer]> {
  const { k } = key;
  const message = randomBytes(32);
  let random: Buffer;
  do random = randomBytes(k);
  while (random[0]! >= 0x80); // below every modulus of k bytes with its top bit set
  return [
    ["random bytes", random],
    ["block type 1", rawEncrypt(key, encoded(k, { type: 1, psLength: k - 3 - 32, message }))],
    ["first byte not zero", rawEncrypt(key, encoded(k, { first: 1, psLength: k - 3 - 32, message }))],
    ["no separator", rawEncrypt(key, encoded(k, { psLength: k - 2, separator: false, message: Buffer.alloc(0) }))],
    ["padding string of 7 bytes", rawEncrypt(key, encoded(k, { psLength: 7, message: randomBytes(k - 10) }))],
  ];
}

describe("openssl-native: rsaPkcs1DecodeImplicit (PKCS #1 v1.5 decoding with implicit rejection, KDK given)", () => {
  it("gives the draft's known answers from a raw decryption and the draft's KDK", () => {
    for (const { id, ciphertext, plaintext } of RSA_GUIDANCE_VECTORS) {
      assert.equal(decodeOutside(guidanceKey, Buffer.from(ciphertext, "hex")).toString("hex"), plaintext, id);
    }
  });

  it("equals rsaPkcs1Decrypt for valid ciphertexts, from the empty message to k - 11 bytes", async () => {
    for (const key of [rsa2048, rsa3072]) {
      for (const length of [0, 1, 32, key.k - 11]) {
        const message = randomBytes(length);
        const ciphertext = publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_PADDING }, message);
        assert.deepEqual(decodeOutside(key, ciphertext), message, `${key.k} bytes, message of ${length}`);
        assert.deepEqual(await decryptInside(key, ciphertext), message);
      }
    }
  });

  it("equals rsaPkcs1Decrypt for invalid ciphertexts: deterministic, distinct per ciphertext, at most k - 11 bytes", async () => {
    for (const key of [rsa2048, rsa3072]) {
      const seen = new Set<string>();
      for (const [rule, ciphertext] of invalidCiphertexts(key)) {
        const outside = decodeOutside(key, ciphertext);
        assert.deepEqual(outside, await decryptInside(key, ciphertext), rule);
        assert.deepEqual(decodeOutside(key, ciphertext), outside, `${rule}: deterministic`);
        assert.ok(outside.length <= key.k - 11, rule);
        seen.add(outside.toString("hex"));
      }
      assert.equal(seen.size, 5, "each ciphertext has its own synthetic message");
    }
  });

  it("left-pads a raw decryption whose leading zero bytes were dropped", () => {
    const message = Buffer.from("a 32-byte content encryption key");
    const ciphertext = publicEncrypt({ key: rsa2048.publicKey, padding: constants.RSA_PKCS1_PADDING }, message);
    const em = rawDecrypt(rsa2048, ciphertext);
    assert.equal(em[0], 0);
    assert.deepEqual(rsaPkcs1DecodeImplicit(em.subarray(1), kdkOf(rsa2048, ciphertext), rsa2048.k), message);
  });

  it("the synthetic message depends on the KDK alone, beside the encoded message", () => {
    const [, ciphertext] = invalidCiphertexts(rsa2048)[0]!;
    const em = rawDecrypt(rsa2048, ciphertext);
    const a = rsaPkcs1DecodeImplicit(em, Buffer.alloc(32, 1), rsa2048.k);
    assert.deepEqual(rsaPkcs1DecodeImplicit(em, Buffer.alloc(32, 1), rsa2048.k), a);
    assert.notDeepEqual(rsaPkcs1DecodeImplicit(em, Buffer.alloc(32, 2), rsa2048.k), a);
  });

  it("throws on bad arguments only: a KDK not of 32 bytes, an encoded message longer than k, a tiny modulus", () => {
    const em = Buffer.alloc(256);
    for (const length of [0, 31, 33, 64]) {
      assert.throws(() => rsaPkcs1DecodeImplicit(em, Buffer.alloc(length), 256), /32 bytes/, `KDK of ${length} bytes`);
    }
    assert.throws(() => rsaPkcs1DecodeImplicit(Buffer.alloc(257), Buffer.alloc(32), 256), /longer than the modulus/);
    assert.throws(() => rsaPkcs1DecodeImplicit(Buffer.alloc(11), Buffer.alloc(32), 11), /modulus size/);
    assert.throws(() => rsaPkcs1DecodeImplicit(em, Buffer.alloc(32), 4096), /modulus size/);
  });
});
