import assert from "node:assert/strict";
import { constants, createPublicKey, type KeyObject, publicEncrypt, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import pkcs11js from "pkcs11js";
import type { KeyVaultError } from "../../src/errors/key-vault-error.js";
import type { BackendKey } from "../../src/crypto/key-backend.js";
import { IMPLICIT_REJECTION_LABEL } from "../../src/crypto/pkcs11/implicit-rejection.js";
import { openPkcs11Backend, Pkcs11KeyBackend } from "../../src/crypto/pkcs11/pkcs11-key-backend.js";
import type { TokenSessions } from "../../src/crypto/pkcs11/token-sessions.js";
import { listTokenObjects, type SoftHsmToken, softHsmSkipReason, softHsmToken } from "../support/softhsm.js";
import { asBackendKey, keyOptions } from "../support/backend-keys.js";

/**
 * RSA1_5 decryption of token keys with implicit rejection: a wrong padding gives a deterministic message, never an
 * error, keyed by the token's one implicit-rejection secret, which every backend on the token shares.
 */

const K = 256;

const publicKeyOf = (key: BackendKey): KeyObject => createPublicKey({ key: key.description.jwk as never, format: "jwk" });

const pkcs1Encrypt = (key: BackendKey, message: Buffer): Buffer =>
  publicEncrypt({ key: publicKeyOf(key), padding: constants.RSA_PKCS1_PADDING }, message);

/** A k-byte encoded message of block type 1 (a signature's padding), encrypted raw: a wrong type for decryption. */
function blockType1(key: BackendKey): Buffer {
  const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(K - 3 - 32, 0xff), Buffer.from([0]), randomBytes(32)]);
  return publicEncrypt({ key: publicKeyOf(key), padding: constants.RSA_NO_PADDING }, em);
}

/** Random bytes below every 2048-bit modulus (top bit clear): a ciphertext of garbage for any key. */
function randomCiphertext(): Buffer {
  const bytes = randomBytes(K);
  bytes[0]! &= 0x7f;
  return bytes;
}

function altered(ciphertext: Buffer): Buffer {
  const copy = Buffer.from(ciphertext);
  copy[100]! ^= 0x10;
  return copy;
}

/**
 * Runs `act` on a session of the test's own on the (process-wide, logged-in) module: to look at the token, or to play
 * another process, behind the backend's back.
 */
function withTestSession(act: (module: pkcs11js.PKCS11, session: Buffer) => void): void {
  const { module: path, tokenLabel } = softHsmToken();
  const module = new pkcs11js.PKCS11();
  module.load(path);
  const slot = module.C_GetSlotList(true).find((s) => module.C_GetTokenInfo(s).label.trim() === tokenLabel)!;
  const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    act(module, session);
  } finally {
    module.C_CloseSession(session);
  }
}

const secretObjects = (token: SoftHsmToken) => listTokenObjects(token).filter((o) => o.label === IMPLICIT_REJECTION_LABEL);

describe("RSA1_5 decryption of PKCS#11 token keys, with implicit rejection", { skip: softHsmSkipReason() }, () => {
  let token: SoftHsmToken;
  let backend: Pkcs11KeyBackend;
  let key: BackendKey;
  let otherKey: BackendKey;

  before(async () => {
    token = softHsmToken();
    backend = await openPkcs11Backend(token);
    key = asBackendKey(await backend.generate("RSA", keyOptions("unit")));
    otherKey = asBackendKey(await backend.generate("RSA", keyOptions("unit")));
  });
  after(() => backend.close());

  it("decrypts and unwraps a valid ciphertext to its message, also one whose leading zero byte was dropped", async () => {
    const message = randomBytes(32);
    assert.deepEqual(await backend.decrypt(key, "RSA1_5", pkcs1Encrypt(key, message), {}), message);
    assert.deepEqual(await backend.unwrap(key, "RSA1_5", pkcs1Encrypt(key, message)), message);
    let ciphertext: Buffer = Buffer.alloc(0);
    for (let tries = 0; tries < 10_000 && ciphertext[0] !== 0; tries++) ciphertext = pkcs1Encrypt(key, message);
    assert.equal(ciphertext[0], 0);
    assert.deepEqual(await backend.decrypt(key, "RSA1_5", ciphertext.subarray(1), {}), message);
  });

  it("answers an invalid ciphertext with a message, the same on a repeat, its own per ciphertext and per key", async () => {
    const invalid: Array<[string, Buffer]> = [
      ["random bytes", randomCiphertext()],
      ["block type 1", blockType1(key)],
      ["altered", altered(pkcs1Encrypt(key, randomBytes(32)))],
    ];
    const seen = new Set<string>();
    for (const [what, ciphertext] of invalid) {
      const first = await backend.decrypt(key, "RSA1_5", ciphertext, {});
      assert.ok(first.length <= K - 11, `${what}: at most k - 11 bytes`);
      assert.deepEqual(await backend.decrypt(key, "RSA1_5", ciphertext, {}), first, `${what}: deterministic`);
      assert.deepEqual(await backend.unwrap(key, "RSA1_5", ciphertext), first, `${what}: unwrap gives the same`);
      seen.add(first.toString("hex"));
    }
    assert.equal(seen.size, invalid.length, "each ciphertext has its own synthetic message");

    const [, random] = invalid[0]!;
    const underOther = await backend.decrypt(otherKey, "RSA1_5", random, {});
    assert.notDeepEqual(underOther, await backend.decrypt(key, "RSA1_5", random, {}), "each key has its own");
  });

  it("keeps one implicit-rejection secret in the token, sensitive and never extractable, that a second backend shares", async () => {
    const ciphertext = randomCiphertext();
    const synthetic = await backend.decrypt(key, "RSA1_5", ciphertext, {});
    const before = secretObjects(token);
    assert.equal(before.length, 1);
    const [secret] = before;
    assert.equal(secret!.kind, "Secret Key Object");
    assert.ok(secret!.access.includes("sensitive") && secret!.access.includes("never extractable"), secret!.access.join());
    assert.ok(!secret!.access.includes("extractable"), secret!.access.join());
    // pkcs11-tool shows a secret key's encrypt, decrypt, wrap and unwrap flags only: the token says the rest.
    assert.deepEqual(secret!.usage, ["none"]);
    withTestSession((module, session) => {
      module.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_LABEL, value: IMPLICIT_REJECTION_LABEL }]);
      const [handle] = module.C_FindObjects(session, 2);
      module.C_FindObjectsFinal(session);
      const flags = [pkcs11js.CKA_TOKEN, pkcs11js.CKA_PRIVATE, pkcs11js.CKA_SENSITIVE, pkcs11js.CKA_NEVER_EXTRACTABLE];
      const off = [pkcs11js.CKA_EXTRACTABLE, pkcs11js.CKA_VERIFY, pkcs11js.CKA_DERIVE];
      const values = module.C_GetAttributeValue(
        session,
        handle!,
        [...flags, pkcs11js.CKA_SIGN, ...off].map((type) => ({ type })),
      );
      assert.deepEqual(
        values.map((a) => a.value[0]),
        [...flags.map(() => 1), 1, ...off.map(() => 0)],
      );
      const [length] = module.C_GetAttributeValue(session, handle!, [{ type: pkcs11js.CKA_VALUE_LEN }]);
      assert.equal(BigInt(`0x${Buffer.from(length!.value).reverse().toString("hex")}`), 32n, "CKA_VALUE_LEN, a little-endian CK_ULONG");
    });

    const second = await openPkcs11Backend(token);
    try {
      assert.deepEqual(await second.decrypt(key, "RSA1_5", ciphertext, {}), synthetic, "the same synthetic message");
    } finally {
      await second.close();
    }
    assert.deepEqual(secretObjects(token), before, "found, not made again");
  });

  it("converges on the secret with the lowest CKA_ID when backends on one token made one each", async () => {
    withTestSession((module, session) => {
      module.C_GenerateKey(session, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_ID, value: Buffer.alloc(16) },
        { type: pkcs11js.CKA_LABEL, value: IMPLICIT_REJECTION_LABEL },
      ]);
    });
    assert.equal(secretObjects(token).length, 2);

    const ciphertext = randomCiphertext();
    const before = await backend.decrypt(key, "RSA1_5", ciphertext, {});
    const second = await openPkcs11Backend(token);
    try {
      assert.deepEqual(
        secretObjects(token).map((o) => o.id),
        ["00".repeat(16)],
        "the other one destroyed",
      );
      const synthetic = await second.decrypt(key, "RSA1_5", ciphertext, {});
      assert.notDeepEqual(synthetic, before, "under the surviving secret");
      assert.deepEqual(await backend.decrypt(key, "RSA1_5", ciphertext, {}), synthetic, "the first backend follows");
    } finally {
      await second.close();
    }
  });

  it("refuses RSA1_5 decrypt and unwrap with a 400 naming what a token lacks, and still encrypts", async () => {
    const sessions = (backend as unknown as { sessions: TokenSessions }).sessions;
    const lacking = new Pkcs11KeyBackend(sessions, {
      oaep256: "raw",
      pss: "token",
      secp256k1: "token",
      transfer: "token",
      rsa1_5Missing: ["CKM_SHA256_HMAC"],
    });
    const ciphertext = pkcs1Encrypt(key, randomBytes(32));
    const refused = (error: KeyVaultError): boolean => error.status === 400 && /RSA1_5.*CKM_SHA256_HMAC/.test(error.message);
    await assert.rejects(lacking.decrypt(key, "RSA1_5", ciphertext, {}), refused);
    await assert.rejects(lacking.unwrap(key, "RSA1_5", ciphertext), refused);
    assert.match(lacking.mechanismPaths()["RSA1_5 decrypt"]!, /^unsupported \(the token lacks CKM_SHA256_HMAC\)$/);
    const message = randomBytes(16);
    const { value } = await lacking.encrypt(key, "RSA1_5", message, {});
    assert.deepEqual(await backend.decrypt(key, "RSA1_5", value, {}), message);
  });
});
