import assert from "node:assert/strict";
import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  publicEncrypt,
  randomBytes,
  randomUUID,
  verify,
} from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CryptoFailure } from "../../src/crypto/aes.js";
import type { BackendKey, KeyBackend } from "../../src/crypto/key-backend.js";
import type { NewKeyMaterial } from "../../src/crypto/key-material.js";
import {
  type CurveName,
  NODE_CURVE,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  type WrapAlgorithm,
} from "../../src/crypto/key-types.js";
import { openPkcs11Backend } from "../../src/crypto/pkcs11/pkcs11-key-backend.js";
import { SoftwareKeyBackend } from "../../src/crypto/software-key-backend.js";
import { softHsmSkipReason, softHsmToken } from "../support/softhsm.js";
import { asBackendKey, keyOptions } from "../support/backend-keys.js";

/**
 * One contract for every key backend: what the software backend does, the PKCS#11 backend (on a throw-away
 * SoftHSM2 token) does alike. Every signature is checked by node:crypto with the public JWK only, every
 * decryption of a ciphertext node:crypto made with it; so both backends agree with OpenSSL, and with each other.
 */
interface BackendUnderTest {
  name: string;
  skip: string | false;
  open(): Promise<KeyBackend & { mechanismPaths?(): Record<string, string> }>;
}

const BACKENDS: BackendUnderTest[] = [
  { name: "software", skip: false, open: async () => new SoftwareKeyBackend() },
  { name: "PKCS#11 on SoftHSM2", skip: softHsmSkipReason(), open: () => openPkcs11Backend(softHsmToken()) },
];

const HASH: Record<SignatureAlgorithm, string> = {
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
  PS256: "sha256",
  PS384: "sha384",
  PS512: "sha512",
  ES256: "sha256",
  ES256K: "sha256",
  ES384: "sha384",
  ES512: "sha512",
};

const RSA_SIGNATURES: SignatureAlgorithm[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const EC_SIGNATURE: Record<CurveName, SignatureAlgorithm> = { "P-256": "ES256", "P-256K": "ES256K", "P-384": "ES384", "P-521": "ES512" };
const RSA_CIPHERS = ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"] as const;

const publicKeyOf = (key: BackendKey): KeyObject => {
  const { jwk } = key.description;
  return createPublicKey({ key: { ...jwk, ...(jwk.crv === "P-256K" && { crv: "secp256k1" }) } as never, format: "jwk" });
};

/** node:crypto's verification of a backend signature over sha(message), with the public key alone. */
function nodeVerifies(key: BackendKey, alg: SignatureAlgorithm, message: Buffer, signature: Buffer): boolean {
  const publicKey = publicKeyOf(key);
  if (alg.startsWith("RS")) return verify(HASH[alg], message, publicKey, signature);
  if (alg.startsWith("PS")) {
    const saltLength = SIGNATURE_ALGORITHMS[alg].digestBytes;
    return verify(HASH[alg], message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
  }
  return verify(HASH[alg], message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature);
}

const nodeEncrypt = (key: BackendKey, alg: WrapAlgorithm, plaintext: Buffer): Buffer =>
  alg === "RSA1_5"
    ? publicEncrypt({ key: publicKeyOf(key), padding: constants.RSA_PKCS1_PADDING }, plaintext)
    : publicEncrypt(
        { key: publicKeyOf(key), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: alg === "RSA-OAEP" ? "sha1" : "sha256" },
        plaintext,
      );

/** A private JWK made by node:crypto, with Azure's curve names. */
function nodePrivateJwk(family: "RSA" | "EC", sizeOrCurve: number | CurveName): Record<string, unknown> {
  const pair =
    family === "RSA"
      ? generateKeyPairSync("rsa", { modulusLength: sizeOrCurve as number })
      : generateKeyPairSync("ec", { namedCurve: NODE_CURVE[sizeOrCurve as CurveName] });
  const jwk = pair.privateKey.export({ format: "jwk" }) as Record<string, unknown>;
  return jwk.crv === "secp256k1" ? { ...jwk, crv: "P-256K" } : jwk;
}

for (const underTest of BACKENDS) {
  describe(`the key backend contract: ${underTest.name}`, { skip: underTest.skip }, () => {
    let backend: Awaited<ReturnType<BackendUnderTest["open"]>>;
    before(async () => {
      backend = await underTest.open();
    });
    after(async () => {
      await (backend as { close?(): Promise<void> }).close?.();
    });

    const curves: CurveName[] = ["P-256", "P-384", "P-521", "P-256K"];
    const supports = (curve: CurveName): boolean => curve !== "P-256K" || backend.mechanismPaths?.()["P-256K generate"] !== "unsupported";

    /** Every signature algorithm of the key, signed by the backend, checked by node:crypto and by verify(). */
    async function checkSignatures(key: BackendKey, algs: SignatureAlgorithm[]): Promise<void> {
      for (const alg of algs) {
        const message = randomBytes(100);
        const digest = createHash(HASH[alg]).update(message).digest();
        const signature = await backend.sign(key, alg, digest);
        assert.ok(nodeVerifies(key, alg, message, signature), `${alg}: node:crypto verifies the signature`);
        assert.equal(await backend.verify(key, alg, digest, signature), true, `${alg}: verify() accepts it`);
        const tampered = Buffer.from(signature);
        tampered[tampered.length >> 1]! ^= 0x01;
        assert.equal(await backend.verify(key, alg, digest, tampered), false, `${alg}: verify() rejects a tampered one`);
      }
    }

    /** Every RSA encryption and wrap algorithm: node:crypto encrypts, the backend decrypts; its own round trip too. */
    async function checkRsaCiphers(key: BackendKey): Promise<void> {
      for (const alg of RSA_CIPHERS) {
        const plaintext = randomBytes(32);
        assert.deepEqual(await backend.decrypt(key, alg, nodeEncrypt(key, alg, plaintext), {}), plaintext, `${alg} decrypt`);
        assert.deepEqual(await backend.unwrap(key, alg, nodeEncrypt(key, alg, plaintext)), plaintext, `${alg} unwrap`);
        const encrypted = await backend.encrypt(key, alg, plaintext, {});
        assert.deepEqual(await backend.decrypt(key, alg, encrypted.value, {}), plaintext, `${alg} encrypt, then decrypt`);
        assert.deepEqual(await backend.unwrap(key, alg, await backend.wrap(key, alg, plaintext)), plaintext, `${alg} wrap, then unwrap`);
      }
      // RSA1_5 is no padding oracle in either backend: a corrupt ciphertext decrypts to a deterministic message.
      const corruptPkcs1 = nodeEncrypt(key, "RSA1_5", randomBytes(32));
      corruptPkcs1[10]! ^= 0x40;
      const synthetic = await backend.decrypt(key, "RSA1_5", corruptPkcs1, {});
      assert.ok(synthetic.length <= key.description.size / 8 - 11, "RSA1_5: a corrupt ciphertext gives at most k - 11 bytes");
      assert.deepEqual(await backend.unwrap(key, "RSA1_5", corruptPkcs1), synthetic, "RSA1_5: the same message on a repeat");
      for (const alg of ["RSA-OAEP", "RSA-OAEP-256"] as const) {
        const corrupt = nodeEncrypt(key, alg, randomBytes(32));
        corrupt[10]! ^= 0x40;
        await assert.rejects(backend.decrypt(key, alg, corrupt, {}), CryptoFailure, `${alg}: a corrupt ciphertext`);
        await assert.rejects(backend.unwrap(key, alg, corrupt), CryptoFailure, `${alg}: a corrupt wrapped key`);
      }
    }

    describe("RSA 2048", () => {
      for (const origin of ["generated", "imported"] as const) {
        it(`${origin}: signs with every RS and PS algorithm, decrypts and unwraps every RSA algorithm`, async () => {
          let made: NewKeyMaterial;
          if (origin === "generated") {
            made = await backend.generate("RSA", keyOptions("contract", { size: 2048 }));
          } else {
            const jwk = nodePrivateJwk("RSA", 2048);
            made = await backend.importJwk(jwk, "RSA", { hsm: true, label: `contract/${randomUUID()}` });
            assert.deepEqual(made.description.jwk, { kty: "RSA", n: jwk.n, e: jwk.e });
          }
          assert.equal(made.description.size, 2048);
          const key = asBackendKey(made);
          assert.deepEqual(publicKeyOf(key).export({ format: "jwk" }), made.description.jwk, "the public JWK is node:crypto's");
          await checkSignatures(key, RSA_SIGNATURES);
          await checkRsaCiphers(key);
        });
      }
    });

    for (const size of [3072, 4096]) {
      it(`RSA ${size}: generated, signs RS256 and PS512`, async () => {
        const made = await backend.generate("RSA", keyOptions("contract", { size }));
        assert.equal(made.description.size, size);
        await checkSignatures(asBackendKey(made), ["RS256", "PS512"]);
      });
    }

    for (const curve of curves) {
      describe(`EC ${curve}`, () => {
        for (const origin of ["generated", "imported"] as const) {
          it(`${origin}: signs with ${EC_SIGNATURE[curve]}`, async (t) => {
            if (!supports(curve)) return t.skip(`this token has no ${curve}`);
            let made: NewKeyMaterial;
            if (origin === "generated") {
              made = await backend.generate("EC", keyOptions("contract", { curve }));
            } else {
              const jwk = nodePrivateJwk("EC", curve);
              made = await backend.importJwk(jwk, "EC", { hsm: true, label: `contract/${randomUUID()}` });
              assert.deepEqual(made.description.jwk, { kty: "EC", crv: curve, x: jwk.x, y: jwk.y });
            }
            assert.equal(made.description.jwk.crv, curve);
            const key = asBackendKey(made);
            const nodeJwk = publicKeyOf(key).export({ format: "jwk" });
            assert.deepEqual({ x: nodeJwk.x, y: nodeJwk.y }, { x: made.description.jwk.x, y: made.description.jwk.y });
            await checkSignatures(key, [EC_SIGNATURE[curve]]);
          });
        }
      });
    }

    it("refuses to import a key the software backend refuses (a wrong CRT value)", async () => {
      const jwk = nodePrivateJwk("RSA", 2048);
      const dp = Buffer.from(jwk.dp as string, "base64url");
      dp[dp.length - 1]! ^= 0x02;
      await assert.rejects(backend.importJwk({ ...jwk, dp: dp.toString("base64url") }, "RSA", { hsm: true, label: "x" }), /CRT/);
    });

    it("after destroy, a token key can no longer be used; destroying it again is fine", async (t) => {
      if (!backend.hardwareProtected) return t.skip("a software key's material is erased with its row, not by the backend");
      for (const made of [await backend.generate("RSA", keyOptions("contract")), await backend.generate("EC", keyOptions("contract"))]) {
        const key = asBackendKey(made);
        const alg = made.description.jwk.kty === "RSA" ? "RS256" : "ES256";
        await backend.sign(key, alg, randomBytes(32));
        await backend.destroy(made.reference!);
        await assert.rejects(backend.sign(key, alg, randomBytes(32)));
        if (alg === "RS256")
          await assert.rejects(backend.decrypt(key, "RSA-OAEP", nodeEncrypt(key, "RSA-OAEP", randomBytes(8)), {}), CryptoFailure);
        await backend.destroy(made.reference!);
      }
    });
  });
}
