import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { CURVE_PARAMS, curveOfParams } from "../../src/crypto/pkcs11/key-templates.js";
import { cryptokiResult, isHandleInvalid, isSessionLoss, SessionLost } from "../../src/crypto/pkcs11/pkcs11-errors.js";
import { idOfReference, referenceOf } from "../../src/crypto/pkcs11/token-objects.js";
import { ecPointAttribute, ecPublicKey, rsaPublicKey } from "../../src/crypto/pkcs11/token-public-key.js";

/** The PKCS#11 backend's pieces that need no token: attribute encodings, references, and error classification. */

/** An error as pkcs11js raises one for a Cryptoki result. */
const cryptokiError = (result: string): Error => Object.assign(new Error(result), { name: "Pkcs11Error" });

describe("the PKCS#11 backend's parts", () => {
  it("reads an EC point as PKCS#11 gives it (a DER OCTET STRING, long form for P-521) or bare, to node:crypto's JWK", () => {
    for (const [curve, nodeCurve] of [
      ["P-256", "prime256v1"],
      ["P-521", "secp521r1"],
      ["P-256K", "secp256k1"],
    ] as const) {
      const jwk = generateKeyPairSync("ec", { namedCurve: nodeCurve }).publicKey.export({ format: "jwk" });
      const expected = { kty: "EC", crv: curve, x: jwk.x, y: jwk.y };
      const der = ecPointAttribute(curve, jwk);
      assert.equal(der[0], 0x04, "an OCTET STRING");
      if (curve === "P-521") assert.equal(der[1], 0x81, "with a long-form length");
      assert.deepEqual(ecPublicKey(curve, der).jwk, expected);
      assert.deepEqual(ecPublicKey(curve, der.subarray(der.length - (der.length === 67 ? 65 : 133))).jwk, expected);
    }
  });

  it("refuses an EC point that is not on its curve or not of its size", () => {
    const jwk = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ format: "jwk" });
    const point = ecPointAttribute("P-256", jwk);
    point[point.length - 1]! ^= 1;
    assert.throws(() => ecPublicKey("P-256", point));
    assert.throws(() => ecPublicKey("P-384", ecPointAttribute("P-256", jwk)));
  });

  it("gives an RSA public key's JWK without leading zero octets, as node:crypto does", () => {
    const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" });
    const modulus = Buffer.concat([Buffer.of(0), Buffer.from(jwk.n!, "base64url")]);
    assert.deepEqual(rsaPublicKey(modulus, Buffer.from([0, 1, 0, 1])).jwk, { kty: "RSA", n: jwk.n, e: "AQAB" });
  });

  it("names each curve by its OID and knows no others", () => {
    for (const curve of ["P-256", "P-256K", "P-384", "P-521"] as const) assert.equal(curveOfParams(CURVE_PARAMS[curve]), curve);
    assert.equal(curveOfParams(Buffer.from("06052b81040021", "hex")), null, "P-224");
  });

  it("makes references from CKA_IDs and reads only its own back", () => {
    const id = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    assert.equal(referenceOf(id), "pkcs11:00112233445566778899aabbccddeeff");
    assert.deepEqual(idOfReference(referenceOf(id)), id);
    for (const other of ["software:00", "pkcs11:", "pkcs11:0g", "pkcs11:abc"]) assert.equal(idOfReference(other), null, other);
  });

  it("tells a lost token from a failed operation", () => {
    for (const result of ["CKR_SESSION_HANDLE_INVALID", "CKR_USER_NOT_LOGGED_IN", "CKR_DEVICE_REMOVED", "CKR_CRYPTOKI_NOT_INITIALIZED"]) {
      assert.ok(isSessionLoss(cryptokiError(result)), result);
    }
    assert.ok(isSessionLoss(new SessionLost()));
    for (const result of ["CKR_GENERAL_ERROR", "CKR_ENCRYPTED_DATA_INVALID", "CKR_OBJECT_HANDLE_INVALID"]) {
      assert.ok(!isSessionLoss(cryptokiError(result)), result);
    }
    assert.ok(!isSessionLoss(new Error("CKR_SESSION_CLOSED")), "only pkcs11js's errors carry Cryptoki results");
    assert.ok(isHandleInvalid(cryptokiError("CKR_KEY_HANDLE_INVALID")));
    assert.equal(cryptokiResult(cryptokiError("CKR_PIN_INCORRECT")), "CKR_PIN_INCORRECT");
  });
});
