import assert from "node:assert/strict";
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  privateEncrypt,
  publicEncrypt,
  randomBytes,
  verify as nodeVerify,
  type KeyObject,
} from "node:crypto";
import { describe, it } from "node:test";
import { CryptoFailure } from "../../src/crypto/aes.js";
import {
  loadPrivateKey,
  loadPublicKey,
  rsaOaepDecode,
  rsaPssEncode,
  signDigest,
  verifyDigest,
  type OaepHash,
  type PssHash,
} from "../../src/crypto/openssl-native.js";

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ""), "hex");
const b64url = (text: string): string => hex(text).toString("base64url");

function flipBit(buffer: Buffer, at: number): Buffer {
  assert.ok(at < buffer.length);
  const copy = Buffer.from(buffer);
  copy[at]! ^= 0x01;
  return copy;
}

/** The raw RSA private operation (RSADP / RSASP1, RFC 8017 §5.1.2, §5.2.1), as a token's CKM_RSA_X_509 does it. */
const rawDecrypt = (key: KeyObject, input: Buffer): Buffer => privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, input);
const rawSign = (key: KeyObject, input: Buffer): Buffer => privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, input);

const modulusBits = (key: KeyObject): number => key.asymmetricKeyDetails!.modulusLength!;
const modulusBytes = (key: KeyObject): number => Math.ceil(modulusBits(key) / 8);

const rsaKeys = [2048, 2049, 3072].map((bits) => generateKeyPairSync("rsa", { modulusLength: bits }));

/** Every failure of the OAEP decoding is this one error: no detail a padding oracle could use. */
function assertOpaqueFailure(decode: () => unknown): void {
  assert.throws(decode, (err: unknown) => {
    assert.ok(err instanceof CryptoFailure);
    assert.equal(err.message, new CryptoFailure().message);
    assert.equal(err.cause, undefined);
    return true;
  });
}

/*
 * Known answer, SHA-1: the worked example of RSAES-OAEP in RSA Laboratories' PKCS #1 v2.1 test vectors
 * (oaep-int.txt, as shipped with the pyca/cryptography project's test vectors): the 1024-bit key's n and e, the
 * encoded message EM (without its leading zero byte: 127 bytes) and its encryption C, and the message M.
 */
const oaepInt = {
  n: hex(`bb f8 2f 09 06 82 ce 9c 23 38 ac 2b 9d a8 71 f7 36 8d 07 ee d4 10 43 a4 40 d6 b6 f0 74 54 f5 1f b8 df ba af 03 5c
    02 ab 61 ea 48 ce eb 6f cd 48 76 ed 52 0d 60 e1 ec 46 19 71 9d 8a 5b 8b 80 7f af b8 e0 a3 df c7 37 72 3e e6 b4 b7 d9 3a 25 84
    ee 6a 64 9d 06 09 53 74 88 34 b2 45 45 98 39 4e e0 aa b1 2d 7b 61 a5 1f 52 7a 9a 41 f6 c1 68 7f e2 53 72 98 ca 2a 8f 59 46 f8
    e5 fd 09 1d bd cb`),
  e: hex("11"),
  em: hex(`eb 7a 19 ac e9 e3 00 63 50 e3 29 50 4b 45 e2 ca 82 31 0b 26 dc d8 7d 5c 68 f1 ee a8 f5 52 67 c3 1b 2e 8b b4 25 1f
    84 d7 e0 b2 c0 46 26 f5 af f9 3e dc fb 25 c9 c2 b3 ff 8a e1 0e 83 9a 2d db 4c dc fe 4f f4 77 28 b4 a1 b7 c1 36 2b aa d2 9a b4
    8d 28 69 d5 02 41 21 43 58 11 59 1b e3 92 f9 82 fb 3e 87 d0 95 ae b4 04 48 db 97 2f 3a c1 4f 7b c2 75 19 52 81 ce 32 d2 f1 b7
    6d 4d 35 3e 2d`),
  c: hex(`12 53 e0 4d c0 a5 39 7b b4 4a 7a b8 7e 9b f2 a0 39 a3 3d 1e 99 6f c8 2a 94 cc d3 00 74 c9 5d f7 63 72 20 17 06 9e
    52 68 da 5d 1c 0b 4f 87 2c f6 53 c1 1d f8 23 14 a6 79 68 df ea e2 8d ef 04 bb 6d 84 b1 c3 1d 65 4a 19 70 e5 78 3b d6 eb 96 a0
    24 c2 ca 2f 4a 90 fe 9f 2e f5 c9 c1 40 e5 bb 48 da 95 36 ad 87 00 c8 4f c9 13 0a de a7 4e 55 8d 51 a7 4d df 85 d8 b5 0d e9 68
    38 d6 06 3e 09 55`),
  m: hex("d4 36 e9 95 69 fd 32 a7 c8 a0 5b bc 90 d3 2c 49"),
};

/*
 * Known answer, SHA-256: the first key and "OAEP Example 1" of oaep-sha256-sha256.txt in the pyca/cryptography
 * project's test vectors (RSA-OAEP with SHA-256 and MGF1-SHA-256, checked there against Bouncy Castle).
 */
const pycaSha256 = {
  jwk: {
    kty: "RSA",
    n: b64url(`b8e814a25ca64c8de16f73849a78c8b13bb086a407301604f674efb588ee7b996b1b6a2968625a2548e9ab01ce6a3699907e303c8a02c9e40ea3
      6bd6d8b2a74b1ee98fa8835a480dfc751fddc490e5a46707095356316587fc339196e4d7db70c7feae50a1263dedd589bec009624193c7de4793dcdf830be3
      256c70de1f02f7a7d3503035fcb9625c40abb7445470203902ea045f337d31fcd28506e46cd65560949f08cd90fedaabbcb6615b884737d3f5ad01e67cc0c2
      997af3328b3c80d5ee0a9aa40a9119bd7594fcfe2324728ea9a8f839e663467a0c44915d0275e34cf1c9605ad317c4573f57c85fd7e19e82cc6f77314e8db4
      7a908a57e3e4418e45`),
    e: b64url("010001"),
    d: b64url(`4af58aa7e7776341814a7542247d229ef6dbb1397dd0789cba6cdd60728a7b80ce72e6aeb2aa6c710105f9555a20a4d1cc49dbb42f1ec249b9c576
      4a3abef222f9fd2547e3380e4ddd327e20a1373c61518300bcd00c6664a251258c4e6953847d0f3a0b65c8e3022fb70fa53a28a2fd0de18692e2cf99889024
      f3b92dd2d49870a5de6f11827feade31bdc8889148968fad08b794007f68524a3bbce886dee240cb18f0b14e22ebfe5b04a4f1a73c9ed56adc0881b9aca2a0
      2a776a2df2843b3cca528c8dca70db0a72baa978e8e11ef833f298403003de5820cf6d54d58de1753aac48aae6911a55f9d393a829fd4169799365b7a4015c
      5911277937bb1501`),
    p: b64url(`e7e2f373592c2b9919851f238f1b1b67e9c761bbf252b334d5a12a6ea66974a1cb5f57dfa0595298f143ef958f7450571c31c682b91ea26a034938
      3088cbedd87e7edc6cb5287a56d7f73c31d02df6e3c58b01c27efdac951e279a3318951520c44c3903e5dc793c3cdacc40ad06551bd219bd6ecfd1c3f4f8ea
      513674ab286d`),
    q: b64url(`cc2279fb888ba03c22c6613bb1466c9e2cd161d99bbec2f75af82cf7f0e43eb1a8a8bc23c24fc2838bffb94e791811073da55c53e07e1fec63cefd
      066dc631e25e74dae715ab3cc18b5e56ff2a786ddee92d32dc5bd4df849cb8246e3f42c1279985c5cb6909b0630424dc8a82d5604387e95fbb248720636b8e
      7208ca1f0639`),
    dp: b64url(`a103034c3ac4e2d901d15f97cf4c61313c30c77a3b7e9514c0a991cf1719ee7451c4b83d7d17c8b48e02401fb7666a4ab23715c1bb4cbc35a4667
      8efaa6cff8fedf5a4948f0db6350aec8f0d7fa20ae6894a464488ed17a2cb377068be4ef646b446c0e825f97aed0acc5a3b2669593b621da15d8a4bfb26e49
      7bf2072ce4dd9`),
    dq: b64url(`6cff07a4efcea5db1632589e97d46390bd9b7b24c70d3f6af5eec78c07dac742f32c4d70c682f1f86d5b38e596b0ebfeb2c2c59e9fa298870eefe
      998722abe5e015361c2bb8638259bb5debbd6408161e19d59a7e17cb3704a81e429ddab56193fd6f6badab5eab1a3f7ceae42978e13e0d112658966813bb4a
      5556c2e080cb9`),
    qi: b64url(`c42490c242d07fd464f0f628a094a87508f0d9deee3e6bee40e580f78b2e2fbaaba3b2a52d7e55aacdf6bef781603238c26bf096aad72d96d691b
      f1a44d41a17bf0762f980db075ee6405db2e4ce0d8a976f062d6f35396b9899eb6ca92d0c8e8e97d2c9b31929dcf56fcb8138dc252173b82f66b478313bf73
      f59dffe9ac9b0`),
  },
  m: hex("6628194e12073db03ba94cda9ef9532397d50dba79b987004afefe34"),
  c: hex(`6afdbc76de74458198a9c890cc5abb52580af01c2096036dca104d67f96a05de682da5c26970a808343527440aa80b9d043045d7983f442a3d376e5b
    039bcfb96c1b5fd0e46b5fff85646273293ced5e7272993850017f24f6133591d5c9788781a9952873ebfc45ad4d34fff2b4e9ababf49d9f9a3d7726bdce3e
    b2feb545db5cfef0b183bd55735a2d356b4278c5580ce0e4cfd21a0a3ad3b225de388fcfd688394710f97d5a3933e01d434fcff732542390f8915d5d291780
    ed63d425c0bea5bb0ad25aae3a70355e3f45a443ea111b80515b743d5bd226d339dc7516ce6c41414a0aa978198bc6762f443e957c7be5edbd25fcdd226c5d
    967fa05d7c9079`),
};

describe("rsaOaepDecode", () => {
  describe("known answers", () => {
    it("decodes PKCS #1 v2.1's SHA-1 example (an encoded message without its leading zero byte)", () => {
      const publicKey = createPublicKey({
        key: { kty: "RSA", n: oaepInt.n.toString("base64url"), e: oaepInt.e.toString("base64url") },
        format: "jwk",
      });
      // The vector agrees with itself: C is EM raised to e modulo n.
      assert.deepEqual(
        publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(1), oaepInt.em])),
        oaepInt.c,
      );
      assert.equal(oaepInt.em.length, 127);
      assert.deepEqual(rsaOaepDecode(oaepInt.em, 128, "sha1"), oaepInt.m);
      assert.deepEqual(rsaOaepDecode(Buffer.concat([Buffer.alloc(1), oaepInt.em]), 128, "sha1"), oaepInt.m);
    });

    it("decodes pyca's SHA-256 example after the raw RSA decryption", () => {
      const privateKey = createPrivateKey({ key: pycaSha256.jwk, format: "jwk" });
      // node:crypto reads the vector the same way (so it was copied right).
      assert.deepEqual(privateDecrypt({ key: privateKey, oaepHash: "sha256" }, pycaSha256.c), pycaSha256.m);
      const encoded = rawDecrypt(privateKey, pycaSha256.c);
      assert.deepEqual(rsaOaepDecode(encoded, 256, "sha256"), pycaSha256.m);
    });
  });

  describe("after node:crypto's RSA-OAEP encryption and a raw RSA decryption", () => {
    for (const { privateKey, publicKey } of rsaKeys) {
      for (const hash of ["sha1", "sha256"] as const) {
        it(`RSA-${modulusBits(privateKey)} with ${hash}: a 32-byte key, an empty message and the longest message`, () => {
          const k = modulusBytes(privateKey);
          for (const plaintext of [randomBytes(32), Buffer.alloc(0), randomBytes(k - 2 * (hash === "sha1" ? 20 : 32) - 2)]) {
            const encoded = rawDecrypt(privateKey, publicEncrypt({ key: publicKey, oaepHash: hash }, plaintext));
            assert.equal(encoded.length, k);
            assert.deepEqual(rsaOaepDecode(encoded, k, hash), plaintext);
            // A token that drops the leading zero byte: the same plaintext.
            assert.equal(encoded[0], 0);
            assert.deepEqual(rsaOaepDecode(encoded.subarray(1), k, hash), plaintext);
          }
        });
      }
    }
  });

  describe("fails with one opaque error", () => {
    const { privateKey, publicKey } = rsaKeys[0]!;
    const k = modulusBytes(privateKey);
    const encodedWith = (hash: OaepHash): Buffer =>
      rawDecrypt(privateKey, publicEncrypt({ key: publicKey, oaepHash: hash }, randomBytes(32)));

    it("on a flipped bit anywhere: the leading zero byte, the masked seed, the masked data block", () => {
      const encoded = encodedWith("sha256");
      for (const at of [0, 1, 20, 33, 34, 100, k - 33, k - 1]) assertOpaqueFailure(() => rsaOaepDecode(flipBit(encoded, at), k, "sha256"));
      for (const at of [0, 1, 21, oaepInt.em.length - 1]) assertOpaqueFailure(() => rsaOaepDecode(flipBit(oaepInt.em, at), 128, "sha1"));
    });

    it("on the wrong hash", () => {
      assertOpaqueFailure(() => rsaOaepDecode(encodedWith("sha1"), k, "sha256"));
      assertOpaqueFailure(() => rsaOaepDecode(encodedWith("sha256"), k, "sha1"));
      assertOpaqueFailure(() => rsaOaepDecode(encodedWith("sha256"), k, "sha512" as OaepHash));
    });

    it("on a truncated input, one longer than the modulus, or a modulus too small for the hash", () => {
      const encoded = encodedWith("sha1");
      assertOpaqueFailure(() => rsaOaepDecode(encoded.subarray(0, k - 1), k, "sha1"));
      assertOpaqueFailure(() => rsaOaepDecode(encoded.subarray(1, k - 1), k, "sha1"));
      assertOpaqueFailure(() => rsaOaepDecode(Buffer.alloc(0), k, "sha1"));
      assertOpaqueFailure(() => rsaOaepDecode(Buffer.concat([Buffer.alloc(1), encoded]), k, "sha1"));
      assertOpaqueFailure(() => rsaOaepDecode(encoded, k - 1, "sha1"));
      assertOpaqueFailure(() => rsaOaepDecode(Buffer.alloc(2 * 32 + 1), 2 * 32 + 1, "sha256"));
    });
  });
});

const digestLength: Record<PssHash, number> = { sha256: 32, sha384: 48, sha512: 64 };
const algOf = (hash: PssHash) => (({ sha256: "PS256", sha384: "PS384", sha512: "PS512" }) as const)[hash];

describe("rsaPssEncode", () => {
  for (const { privateKey, publicKey } of rsaKeys) {
    const bits = modulusBits(privateKey);
    const nativePublic = loadPublicKey(publicKey.export({ type: "spki", format: "der" }));
    for (const hash of ["sha256", "sha384", "sha512"] as const) {
      it(`RSA-${bits} ${algOf(hash)}: a raw RSA signature of the encoding verifies as PSS with a salt as long as the digest`, async () => {
        const data = randomBytes(100);
        const digest = createHash(hash).update(data).digest();
        const encoded = rsaPssEncode(digest, bits, hash);
        assert.equal(encoded.length, modulusBytes(privateKey));
        const signature = rawSign(privateKey, encoded);
        const pss = { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING };
        assert.equal(nodeVerify(hash, data, { ...pss, saltLength: digestLength[hash] }, signature), true);
        // The salt length is exactly the digest's: a verifier that expects another one refuses it.
        assert.equal(nodeVerify(hash, data, { ...pss, saltLength: digestLength[hash] - 1 }, signature), false);
        assert.equal(await verifyDigest(nativePublic, algOf(hash), digest, signature), true);
        // Tampered signature or another digest: refused by both.
        const tampered = flipBit(signature, signature.length - 1);
        assert.equal(nodeVerify(hash, data, { ...pss, saltLength: digestLength[hash] }, tampered), false);
        assert.equal(await verifyDigest(nativePublic, algOf(hash), digest, tampered), false);
        assert.equal(await verifyDigest(nativePublic, algOf(hash), flipBit(digest, 0), signature), false);
      });
    }
  }

  it("uses a fresh salt each time, and the salt length signDigest's PS256 uses", async () => {
    const { privateKey, publicKey } = rsaKeys[0]!;
    const data = Buffer.from("salt");
    const digest = createHash("sha256").update(data).digest();
    assert.notDeepEqual(rsaPssEncode(digest, 2048, "sha256"), rsaPssEncode(digest, 2048, "sha256"));
    const signed = await signDigest(loadPrivateKey(privateKey.export({ type: "pkcs8", format: "der" })), "PS256", digest);
    const pss = { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING };
    assert.equal(nodeVerify("sha256", data, { ...pss, saltLength: 32 }, signed), true);
    assert.equal(nodeVerify("sha256", data, { ...pss, saltLength: 31 }, signed), false);
  });

  it("refuses a digest of the wrong length, an unknown hash, and a modulus too small for the hash", () => {
    assert.throws(() => rsaPssEncode(randomBytes(32), 2048, "sha384"), /digest length/);
    assert.throws(() => rsaPssEncode(randomBytes(20), 2048, "sha1" as PssHash), /rsaPssEncode/);
    assert.throws(() => rsaPssEncode(randomBytes(64), 1024, "sha512"), /too small/);
    assert.throws(() => rsaPssEncode(randomBytes(32), 0, "sha256"), /modulus size/);
  });
});
