import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { aesGcmOpen, aesGcmSeal } from "../../src/crypto/openssl-native.js";

const hex = (text: string): Buffer => Buffer.from(text, "hex");

/*
 * Known answers from the GCM specification (D. McGrew, J. Viega, "The Galois/Counter Mode of Operation (GCM)",
 * the revised version submitted to NIST, Appendix B): test cases 3, 4 (AES-128), 9, 10 (AES-192) and 13-16
 * (AES-256), the ones with a 96-bit IV. Cases 4, 10 and 16 take the first 60 bytes of P and C, and add A.
 */
const P =
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const IV = "cafebabefacedbaddecaf888";
const A = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const K128 = "feffe9928665731c6d6a8f9467308308";
const K192 = "feffe9928665731c6d6a8f9467308308feffe9928665731c";
const K256 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
const C128 =
  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
const C192 =
  "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710acade256";
const C256 =
  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
const first60 = (text: string): string => text.slice(0, 120);

const knownAnswers = [
  { name: "case 3", key: K128, iv: IV, p: P, a: "", c: C128, t: "4d5c2af327cd64a62cf35abd2ba6fab4" },
  { name: "case 4", key: K128, iv: IV, p: first60(P), a: A, c: first60(C128), t: "5bc94fbc3221a5db94fae95ae7121a47" },
  { name: "case 9", key: K192, iv: IV, p: P, a: "", c: C192, t: "9924a7c8587336bfb118024db8674a14" },
  { name: "case 10", key: K192, iv: IV, p: first60(P), a: A, c: first60(C192), t: "2519498e80f1478f37ba55bd6d27618c" },
  { name: "case 13", key: "00".repeat(32), iv: "00".repeat(12), p: "", a: "", c: "", t: "530f8afbc74536b9a963b4f1c4cb738b" },
  {
    name: "case 14",
    key: "00".repeat(32),
    iv: "00".repeat(12),
    p: "00".repeat(16),
    a: "",
    c: "cea7403d4d606b6e074ec5d3baf39d18",
    t: "d0d1c8a799996bf0265b98b5d48ab919",
  },
  { name: "case 15", key: K256, iv: IV, p: P, a: "", c: C256, t: "b094dac5d93471bdec1a502270e3cc6c" },
  { name: "case 16", key: K256, iv: IV, p: first60(P), a: A, c: first60(C256), t: "76fc6ece0f4e1768cddf8853bb2d551b" },
];

/** The binding's one failure, which says nothing about its cause. */
const operationFailed = { code: "ERR_KEYHOLD_OPERATION_FAILED", message: "operation failed" };

function nodeSeal(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer | undefined): Buffer {
  const cipher = createCipheriv(`aes-${key.length * 8}-gcm` as "aes-256-gcm", key, iv);
  if (aad) cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function nodeOpen(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer | undefined): Buffer {
  const decipher = createDecipheriv(`aes-${key.length * 8}-gcm` as "aes-256-gcm", key, iv);
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

const split = (sealed: Buffer): { ciphertext: Buffer; tag: Buffer } => ({
  ciphertext: sealed.subarray(0, sealed.length - 16),
  tag: sealed.subarray(sealed.length - 16),
});

function flipBit(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at]! ^= 0x01;
  return copy;
}

describe("aesGcmSeal / aesGcmOpen: known answers (McGrew-Viega, Appendix B)", () => {
  for (const v of knownAnswers) {
    const aad = v.a ? hex(v.a) : undefined;
    it(`${v.name} (AES-${v.key.length * 4}) seals to C and T`, () => {
      const sealed = aesGcmSeal(hex(v.key), hex(v.iv), hex(v.p), aad);
      assert.equal(sealed.toString("hex"), v.c + v.t);
    });
    it(`${v.name} (AES-${v.key.length * 4}) opens C and T to P`, () => {
      assert.equal(aesGcmOpen(hex(v.key), hex(v.iv), hex(v.c), hex(v.t), aad).toString("hex"), v.p);
    });
  }
});

describe("aesGcmSeal / aesGcmOpen: against node:crypto", () => {
  const sizes = [0, 1, 15, 16, 17, 200, 1000, 4096, 5003];
  for (const keyLength of [16, 24, 32]) {
    for (const withAad of [false, true]) {
      it(`AES-${keyLength * 8}${withAad ? " with AAD" : ""}: native seals what node opens, node seals what native opens`, () => {
        for (const size of sizes) {
          const key = randomBytes(keyLength);
          const iv = randomBytes(12);
          const plaintext = randomBytes(size);
          const aad = withAad ? randomBytes(1 + (size % 40)) : undefined;
          const sealed = split(aesGcmSeal(key, iv, plaintext, aad));
          assert.deepEqual(nodeOpen(key, iv, sealed.ciphertext, sealed.tag, aad), plaintext, `node opens native, ${size} B`);
          const byNode = split(nodeSeal(key, iv, plaintext, aad));
          assert.deepEqual(aesGcmOpen(key, iv, byNode.ciphertext, byNode.tag, aad), plaintext, `native opens node, ${size} B`);
        }
      });
    }
  }

  it("keys and directions alternating call after call leave nothing behind (the context is reused)", () => {
    const keys = [randomBytes(32), randomBytes(16), randomBytes(32)];
    const plaintext = randomBytes(300);
    const aad = Buffer.from("secret/vault/name/version");
    const sealed = keys
      .map((key) => ({ key, iv: randomBytes(12) }))
      .map(({ key, iv }) => ({ key, iv, ...split(aesGcmSeal(key, iv, plaintext, aad)) }));
    for (let round = 0; round < 3; round++) {
      for (const s of sealed) {
        assert.deepEqual(aesGcmOpen(s.key, s.iv, s.ciphertext, s.tag, aad), plaintext);
        assert.throws(() => aesGcmOpen(s.key, s.iv, s.ciphertext, flipBit(s.tag, 0), aad), operationFailed);
        assert.deepEqual(split(aesGcmSeal(s.key, s.iv, plaintext, aad)).tag, s.tag);
      }
    }
  });
});

describe("aesGcmOpen refuses what does not authenticate", () => {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const aad = Buffer.from("secret/vault/name/1");
  const plaintext = randomBytes(200);
  const { ciphertext, tag } = split(aesGcmSeal(key, iv, plaintext, aad));

  it("opens the untouched message", () => {
    assert.deepEqual(aesGcmOpen(key, iv, ciphertext, tag, aad), plaintext);
  });
  it("a flipped bit in the tag, at its start or end", () => {
    assert.throws(() => aesGcmOpen(key, iv, ciphertext, flipBit(tag, 0), aad), operationFailed);
    assert.throws(() => aesGcmOpen(key, iv, ciphertext, flipBit(tag, 15), aad), operationFailed);
  });
  it("a flipped bit in the ciphertext", () => {
    assert.throws(() => aesGcmOpen(key, iv, flipBit(ciphertext, 100), tag, aad), operationFailed);
  });
  it("other AAD, or none where there was some", () => {
    assert.throws(() => aesGcmOpen(key, iv, ciphertext, tag, Buffer.from("secret/vault/name/2")), operationFailed);
    assert.throws(() => aesGcmOpen(key, iv, ciphertext, tag, undefined), operationFailed);
  });
  it("another IV, a shorter IV, another key", () => {
    assert.throws(() => aesGcmOpen(key, flipBit(iv, 11), ciphertext, tag, aad), operationFailed);
    assert.throws(() => aesGcmOpen(key, iv.subarray(0, 8), ciphertext, tag, aad), operationFailed);
    assert.throws(() => aesGcmOpen(randomBytes(32), iv, ciphertext, tag, aad), operationFailed);
  });
  it("a truncated tag, or a truncated ciphertext", () => {
    assert.throws(() => aesGcmOpen(key, iv, ciphertext, tag.subarray(0, 12), aad), operationFailed);
    assert.throws(() => aesGcmOpen(key, iv, ciphertext.subarray(0, 199), tag, aad), operationFailed);
  });
  it("a key of a length AES has not", () => {
    assert.throws(() => aesGcmOpen(randomBytes(20), iv, ciphertext, tag, aad), operationFailed);
  });
});

describe("aesGcmSeal rejects bad arguments", () => {
  it("a key that is not 16, 24 or 32 bytes", () => {
    assert.throws(() => aesGcmSeal(randomBytes(31), randomBytes(12), Buffer.alloc(1)), { code: "ERR_KEYHOLD_INVALID_ARGUMENT" });
  });
  it("an IV that is not 96 bits", () => {
    assert.throws(() => aesGcmSeal(randomBytes(32), randomBytes(16), Buffer.alloc(1)), { code: "ERR_KEYHOLD_INVALID_ARGUMENT" });
  });
  it("a plaintext that is not bytes", () => {
    assert.throws(() => aesGcmSeal(randomBytes(32), randomBytes(12), "text" as unknown as Buffer), {
      code: "ERR_KEYHOLD_INVALID_ARGUMENT",
    });
  });
});
