import assert from "node:assert/strict";
import {
  constants,
  createCipheriv,
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
import pkcs11js from "pkcs11js";
import { KeyVaultError } from "../../src/errors/key-vault-error.js";
import { CryptoFailure } from "../../src/crypto/aes.js";
import type { NewKeyMaterial } from "../../src/crypto/key-material.js";
import { IMPLICIT_REJECTION_LABEL } from "../../src/crypto/pkcs11/implicit-rejection.js";
import { Pkcs11SetupError } from "../../src/crypto/pkcs11/pkcs11-errors.js";
import { openPkcs11Backend, Pkcs11KeyBackend } from "../../src/crypto/pkcs11/pkcs11-key-backend.js";
import type { TokenSessions } from "../../src/crypto/pkcs11/token-sessions.js";
import { listTokenObjects, type SoftHsmToken, softHsmSkipReason, softHsmToken } from "../support/softhsm.js";
import { asBackendKey, keyOptions } from "../support/backend-keys.js";

/**
 * The PKCS#11 backend on a throw-away SoftHSM2 token: what the token holds (checked with OpenSC's pkcs11-tool, not
 * through the backend), the set-up errors, the mechanism paths, BYOK transfer blobs, and a token that restarts.
 */

const idOf = (made: NewKeyMaterial): string => made.reference!.slice("pkcs11:".length);

/** A BYOK blob as Azure's BYOK tool makes one: RSA-OAEP-SHA1 of a fresh AES-256 key, then RFC 5649 of the PKCS#8. */
function transferBlob(kekPublic: KeyObject, target: KeyObject): Buffer {
  const aesKey = randomBytes(32);
  const wrappedAes = publicEncrypt({ key: kekPublic, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, aesKey);
  const cipher = createCipheriv("id-aes256-wrap-pad", aesKey, Buffer.from("a65959a6", "hex"));
  const wrappedKey = Buffer.concat([cipher.update(target.export({ format: "der", type: "pkcs8" })), cipher.final()]);
  return Buffer.concat([wrappedAes, wrappedKey]);
}

/** First, while nothing in this process is logged in: a PKCS#11 login holds for the whole application. */
describe("the PKCS#11 key backend's login", { skip: softHsmSkipReason() }, () => {
  it("refuses a wrong PIN clearly, without showing it", async () => {
    const pin = "wrong-pin-4242";
    await assert.rejects(openPkcs11Backend({ ...softHsmToken(), pin }), (error: Error) => {
      assert.ok(error instanceof Pkcs11SetupError);
      assert.equal(error.message, `wrong PIN for token "${softHsmToken().tokenLabel}"`);
      assert.ok(!error.message.includes(pin) && !String(error.stack).includes(pin));
      return true;
    });
  });
});

describe("the PKCS#11 key backend on SoftHSM2", { skip: softHsmSkipReason() }, () => {
  let token: SoftHsmToken;
  let backend: Pkcs11KeyBackend;
  /** The test's own handle on the same (process-wide) module, to act on the token behind the backend's back. */
  let module: pkcs11js.PKCS11;
  let slot: Buffer;

  before(async () => {
    token = softHsmToken();
    backend = await openPkcs11Backend(token);
    module = new pkcs11js.PKCS11();
    module.load(token.module);
    slot = module.C_GetSlotList(true).find((s) => module.C_GetTokenInfo(s).label.trim() === token.tokenLabel)!;
  });
  after(() => backend.close());

  const signAndCheck = async (made: NewKeyMaterial, publicKey?: KeyObject): Promise<void> => {
    const message = randomBytes(64);
    const digest = createHash("sha256").update(message).digest();
    const key = asBackendKey(made);
    const alg = made.description.jwk.kty === "RSA" ? "RS256" : "ES256";
    const signature = await backend.sign(key, alg, digest);
    const verifier = publicKey ?? createPublicKey({ key: made.description.jwk as never, format: "jwk" });
    assert.ok(verify("sha256", message, alg === "ES256" ? { key: verifier, dsaEncoding: "ieee-p1363" } : verifier, signature));
  };

  it("keeps private keys sensitive and never extractable, labelled, with a public object beside them", async () => {
    const rsa = await backend.generate("RSA", keyOptions("unit"));
    const ec = await backend.generate("EC", keyOptions("unit", { curve: "P-384" }));
    const listed = listTokenObjects(token);
    for (const made of [rsa, ec]) {
      const objects = listed.filter((o) => o.id === idOf(made));
      const privateObject = objects.find((o) => o.kind === "Private Key Object");
      assert.ok(privateObject, "the private key object is in the token");
      assert.ok(
        privateObject.access.includes("sensitive") && privateObject.access.includes("never extractable"),
        privateObject.access.join(),
      );
      assert.ok(
        objects.some((o) => o.kind === "Public Key Object"),
        "and its public key object",
      );
      assert.ok(objects.every((o) => o.label.startsWith("unit/")));
    }
    assert.deepEqual(rsa.material, Buffer.alloc(0));
  });

  it("says when a module is missing or is no PKCS#11 library, and what to install", async () => {
    await assert.rejects(openPkcs11Backend({ ...token, module: "/nonexistent/libsofthsm2.so" }), (error: Error) => {
      assert.ok(error instanceof Pkcs11SetupError);
      assert.match(error.message, /\/nonexistent\/libsofthsm2\.so does not exist.*apt-get install softhsm2/);
      assert.ok(!error.message.includes(token.pin));
      return true;
    });
    await assert.rejects(openPkcs11Backend({ ...token, module: process.execPath }), /is not a PKCS#11 library.*softhsm2/);
  });

  it("lists the labels it found when no token has the one configured", async () => {
    await assert.rejects(openPkcs11Backend({ ...token, tokenLabel: "no-such-token" }), (error: Error) => {
      assert.ok(error instanceof Pkcs11SetupError);
      assert.match(error.message, /no token labelled "no-such-token" .* labelled "keyhold-test"/);
      return true;
    });
  });

  it("reports which path each token-dependent mechanism takes: SoftHSM2 decodes OAEP-256 outside the token", () => {
    assert.deepEqual(backend.mechanismPaths(), {
      "RSA-OAEP-256 decrypt": "raw RSA in token, padding in Keyhold",
      "PS256/PS384/PS512 sign": "token",
      "P-256K generate": "token",
      "RSA1_5 decrypt": "raw RSA in token, implicit rejection in Keyhold (KDK: HMAC-SHA256 in token)",
      "BYOK unwrap": "token, in two steps (CKM_RSA_PKCS_OAEP, then CKM_AES_KEY_WRAP_PAD)",
    });
  });

  it("signs PS* as raw RSA in the token over Keyhold's PSS encoding, for tokens without CKM_RSA_PKCS_PSS", async () => {
    const sessions = (backend as unknown as { sessions: TokenSessions }).sessions;
    const raw = new Pkcs11KeyBackend(sessions, {
      oaep256: "unsupported",
      pss: "raw",
      secp256k1: "token",
      transfer: "token",
      rsa1_5Missing: [],
    });
    const made = await raw.generate("RSA", keyOptions("unit"));
    const publicKey = createPublicKey({ key: made.description.jwk as never, format: "jwk" });
    for (const [alg, hash, saltLength] of [
      ["PS256", "sha256", 32],
      ["PS384", "sha384", 48],
      ["PS512", "sha512", 64],
    ] as const) {
      const message = randomBytes(50);
      const signature = await raw.sign(asBackendKey(made), alg, createHash(hash).update(message).digest());
      assert.ok(verify(hash, message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature), alg);
    }
    const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, randomBytes(8));
    await assert.rejects(raw.decrypt(asBackendKey(made), "RSA-OAEP-256", ciphertext, {}), (e: KeyVaultError) => e.status === 400);
  });

  it("leaves no probe objects behind in the token", async () => {
    const before = listTokenObjects(token).length;
    const other = await openPkcs11Backend(token);
    await other.close();
    assert.equal(listTokenObjects(token).length, before);
  });

  it("keeps no oct keys", async () => {
    await assert.rejects(backend.generate("oct", keyOptions("unit", { size: 256 })), (e: KeyVaultError) => e.status === 400);
    await assert.rejects(
      backend.importJwk({ kty: "oct", k: randomBytes(32).toString("base64url") }, "oct", keyOptions("unit")),
      KeyVaultError,
    );
  });

  describe("BYOK transfer blobs", () => {
    let kek: NewKeyMaterial;
    let kekPublic: KeyObject;
    /** Secret keys in the token other than the implicit-rejection secret: the transport keys of a BYOK unwrap. */
    const transportKeys = () =>
      listTokenObjects(token).filter((o) => o.kind === "Secret Key Object" && o.label !== IMPLICIT_REJECTION_LABEL);
    before(async () => {
      kek = await backend.generate("RSA", keyOptions("unit"));
      kekPublic = createPublicKey({ key: kek.description.jwk as never, format: "jwk" });
    });

    it("imports a blob into the token, where the key signs and stays sensitive", async () => {
      const target = generateKeyPairSync("rsa", { modulusLength: 3072 });
      const made = await backend.importTransferBlob(
        asBackendKey(kek),
        transferBlob(kekPublic, target.privateKey),
        "RSA",
        keyOptions("unit"),
      );
      assert.deepEqual(made.description.jwk, { kty: "RSA", ...target.publicKey.export({ format: "jwk" }) });
      assert.equal(made.description.size, 3072);
      await signAndCheck(made, target.publicKey);
      const privateObject = listTokenObjects(token).find((o) => o.id === idOf(made) && o.kind === "Private Key Object");
      assert.ok(privateObject?.access.includes("sensitive"), "sensitive");
      assert.ok(!privateObject?.access.includes("extractable"), "not extractable");
      assert.ok(!transportKeys().length, "the transport key is gone");
    });

    it("refuses a blob made for another KEK, and a corrupt one, as CryptoFailure", async () => {
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const target = generateKeyPairSync("rsa", { modulusLength: 2048 });
      await assert.rejects(
        backend.importTransferBlob(asBackendKey(kek), transferBlob(other.publicKey, target.privateKey), "RSA", keyOptions("unit")),
        CryptoFailure,
      );
      const corrupt = transferBlob(kekPublic, target.privateKey);
      corrupt[corrupt.length - 5]! ^= 1;
      await assert.rejects(backend.importTransferBlob(asBackendKey(kek), corrupt, "RSA", keyOptions("unit")), CryptoFailure);
      await assert.rejects(backend.importTransferBlob(asBackendKey(kek), randomBytes(100), "RSA", keyOptions("unit")), CryptoFailure);
      assert.ok(!transportKeys().length);
    });

    it("refuses a key of a size Key Vault does not allow, and an EC key it cannot publish, leaving nothing behind", async () => {
      const small = generateKeyPairSync("rsa", { modulusLength: 1024 });
      const label = `unit/${randomUUID()}`;
      await assert.rejects(
        backend.importTransferBlob(asBackendKey(kek), transferBlob(kekPublic, small.privateKey), "RSA", { hsm: true, label }),
        (e: KeyVaultError) => e.status === 400 && /1024 bits/.test(e.message),
      );
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
      await assert.rejects(
        backend.importTransferBlob(asBackendKey(kek), transferBlob(kekPublic, ec.privateKey), "EC", { hsm: true, label }),
        (e: KeyVaultError) => e.status === 400 && /only RSA keys/.test(e.message),
      );
      assert.ok(!listTokenObjects(token).some((o) => o.label === label));
    });
  });

  describe("a token that restarts", () => {
    let made: NewKeyMaterial;
    before(async () => {
      made = await backend.generate("EC", keyOptions("unit"));
      await signAndCheck(made);
    });

    it("survives its sessions being closed behind its back", async () => {
      module.C_CloseAllSessions(slot);
      await signAndCheck(made);
    });

    it("survives a logout", async () => {
      const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      module.C_Logout(session);
      module.C_CloseSession(session);
      await signAndCheck(made);
    });

    it("survives the module being finalised and initialised again", async () => {
      module.C_Finalize();
      await signAndCheck(made);
    });

    it("answers 503 once its PIN is refused, and never tries that PIN again (tokens lock a PIN after a few tries)", async () => {
      const other = await openPkcs11Backend(token);
      try {
        const key = asBackendKey(await other.generate("EC", keyOptions("unit")));
        const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
        module.C_SetPIN(session, token.pin, "changed-pin");
        module.C_CloseAllSessions(slot);
        await assert.rejects(other.sign(key, "ES256", randomBytes(32)), (e: KeyVaultError) => e.status === 503);
        // The PIN works again, but this backend no longer offers it: only a restart with the right PIN heals.
        const again = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
        module.C_Login(again, pkcs11js.CKU_USER, "changed-pin");
        module.C_SetPIN(again, "changed-pin", token.pin);
        module.C_CloseAllSessions(slot);
        await assert.rejects(other.sign(key, "ES256", randomBytes(32)), (e: KeyVaultError) => e.status === 503);
      } finally {
        await other.close();
      }
    });

    it("answers 503 while the token is gone, and recovers when it is back", async () => {
      // The backend's own handle on the library: made to refuse C_Initialize twice, as a token not yet back would.
      const { pkcs11 } = (backend as unknown as { sessions: TokenSessions }).sessions;
      const initialize = pkcs11.C_Initialize.bind(pkcs11);
      let refusals = 0;
      pkcs11.C_Initialize = (options) => {
        refusals += 1;
        if (refusals > 2) return initialize(options);
        throw Object.assign(new Error("CKR_DEVICE_ERROR"), { name: "Pkcs11Error" });
      };
      try {
        module.C_Finalize();
        await assert.rejects(signAndCheck(made), (e: KeyVaultError) => e.status === 503);
        await assert.rejects(signAndCheck(made), (e: KeyVaultError) => e.status === 503);
        await signAndCheck(made);
        assert.equal(refusals, 3);
      } finally {
        pkcs11.C_Initialize = initialize;
      }
    });

    it("queues more concurrent operations than it has sessions", async () => {
      const key = asBackendKey(made);
      const signatures = await Promise.all(Array.from({ length: 24 }, () => backend.sign(key, "ES256", randomBytes(32))));
      assert.equal(signatures.length, 24);
    });
  });
});
