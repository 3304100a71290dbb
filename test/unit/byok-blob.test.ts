import assert from "node:assert/strict";
import {
  constants,
  createCipheriv,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  privateDecrypt,
  randomBytes,
} from "node:crypto";
import { describe, it } from "node:test";
import { makeByokBlob, unwrapByokBlobInSoftware } from "../support/byok-blob.js";

const kek = generateKeyPairSync("rsa", { modulusLength: 3072 });
const otherKek = generateKeyPairSync("rsa", { modulusLength: 2048 });
const kid = "https://premium.vault.azure.net/keys/kek/0123456789abcdef0123456789abcdef";

const targets = {
  "RSA-2048": generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
  "P-256": generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey,
  "P-521": generateKeyPairSync("ec", { namedCurve: "secp521r1" }).privateKey,
};

const pkcs8 = (key: typeof kek.privateKey): Buffer => key.export({ type: "pkcs8", format: "der" });
const parse = (blob: Buffer) => JSON.parse(blob.toString("utf8"));

describe("BYOK transfer blob (test support)", () => {
  it("is the JSON of Key Vault's BYOK specification, with the ciphertext in base64url", () => {
    const json = parse(makeByokBlob(kek.publicKey, kid, targets["RSA-2048"]));
    assert.deepEqual(Object.keys(json), ["schema_version", "header", "ciphertext", "generator"]);
    assert.equal(json.schema_version, "1.0.0");
    assert.deepEqual(json.header, { kid, alg: "dir", enc: "CKM_RSA_AES_KEY_WRAP" });
    assert.match(json.ciphertext, /^[A-Za-z0-9_-]+$/);
    assert.equal(typeof json.generator, "string");
  });

  it("holds RSA-OAEP-SHA1 of a 32-byte AES key, then the PKCS #8 key wrapped with padding under it (RFC 5649)", () => {
    const target = pkcs8(targets["RSA-2048"]);
    const ciphertext = Buffer.from(parse(makeByokBlob(kek.publicKey, kid, targets["RSA-2048"])).ciphertext, "base64url");
    // RFC 5649 §4.1: the padded key plus one 64-bit block.
    assert.equal(ciphertext.length, 384 + Math.ceil(target.length / 8) * 8 + 8);
    const encryptedAesKey = ciphertext.subarray(0, 384);
    const aesKey = privateDecrypt({ key: kek.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, encryptedAesKey);
    assert.equal(aesKey.length, 32);
    assert.throws(() =>
      privateDecrypt({ key: kek.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, encryptedAesKey),
    );
    // The wrapped key is deterministic under the AES key: wrapping the target again gives the same bytes.
    const wrap = createCipheriv("id-aes256-wrap-pad", aesKey, Buffer.from("a65959a6", "hex"));
    assert.deepEqual(ciphertext.subarray(384), Buffer.concat([wrap.update(target), wrap.final()]));
  });

  it("wraps with RFC 5649's default initial value (the RFC's §6 examples, through the same node:crypto cipher family)", () => {
    const kek192 = Buffer.from("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "hex");
    const examples = [
      ["c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"],
      ["466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"],
    ];
    for (const [key, wrapped] of examples) {
      const cipher = createCipheriv("id-aes192-wrap-pad", kek192, Buffer.from("a65959a6", "hex"));
      assert.equal(Buffer.concat([cipher.update(Buffer.from(key!, "hex")), cipher.final()]).toString("hex"), wrapped);
    }
  });

  for (const [name, target] of Object.entries(targets)) {
    it(`round-trips an ${name} private key as PKCS #8`, () => {
      const plaintext = unwrapByokBlobInSoftware(makeByokBlob(kek.publicKey, kid, target), kek.privateKey);
      assert.deepEqual(plaintext, pkcs8(target));
      assert.deepEqual(pkcs8(createPrivateKey({ key: plaintext, format: "der", type: "pkcs8" })), pkcs8(target));
    });
  }

  it("round-trips a symmetric key as its raw bytes", () => {
    const secret = randomBytes(32);
    assert.deepEqual(unwrapByokBlobInSoftware(makeByokBlob(kek.publicKey, kid, createSecretKey(secret)), kek.privateKey), secret);
  });

  it("takes the KEK's public part as a JWK, with n and e in base64url or as bytes (as the Azure SDK gives them)", () => {
    // Exported from a re-imported copy: Node 20 can deadlock exporting a JWK from a key that generateKeyPairSync made, when
    // a garbage collection during the export frees the generation job (it takes the lock the export holds).
    const jwk = createPublicKey({ key: kek.publicKey.export({ type: "spki", format: "der" }), format: "der", type: "spki" }).export({
      format: "jwk",
    });
    const asBytes = { n: Buffer.from(jwk.n!, "base64url"), e: Buffer.from(jwk.e!, "base64url") };
    for (const publicPart of [jwk, asBytes]) {
      const blob = makeByokBlob(publicPart, kid, targets["P-256"]);
      assert.deepEqual(unwrapByokBlobInSoftware(blob, kek.privateKey), pkcs8(targets["P-256"]));
    }
  });

  it("uses a fresh AES key for every blob", () => {
    const wrappedKey = () => Buffer.from(parse(makeByokBlob(kek.publicKey, kid, targets["P-256"])).ciphertext, "base64url").subarray(384);
    assert.notDeepEqual(wrappedKey(), wrappedKey());
  });

  it("does not unwrap under another KEK", () => {
    const blob = makeByokBlob(kek.publicKey, kid, targets["RSA-2048"]);
    assert.throws(() => unwrapByokBlobInSoftware(blob, otherKek.privateKey));
    const other = makeByokBlob(otherKek.publicKey, kid, targets["RSA-2048"]);
    assert.throws(() => unwrapByokBlobInSoftware(other, kek.privateKey));
  });
});
