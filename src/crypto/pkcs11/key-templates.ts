import pkcs11js, { type Template } from "pkcs11js";
import type { CurveName, KeyFamily } from "../key-types.js";

/** Each curve's CKA_EC_PARAMS: the DER of its named-curve OID (RFC 5480; SEC 2 for secp256k1). */
export const CURVE_PARAMS: Record<CurveName, Buffer> = {
  "P-256": Buffer.from("06082a8648ce3d030107", "hex"),
  "P-256K": Buffer.from("06052b8104000a", "hex"),
  "P-384": Buffer.from("06052b81040022", "hex"),
  "P-521": Buffer.from("06052b81040023", "hex"),
};

/** The curve a CKA_EC_PARAMS names, or null for one Key Vault does not have. */
export function curveOfParams(params: Buffer): CurveName | null {
  return (Object.keys(CURVE_PARAMS) as CurveName[]).find((curve) => CURVE_PARAMS[curve].equals(params)) ?? null;
}

const KEY_TYPE: Record<Exclude<KeyFamily, "oct">, number> = { RSA: pkcs11js.CKK_RSA, EC: pkcs11js.CKK_EC };

/**
 * What every private key this backend makes, imports or unwraps carries: on the token, private (visible only after
 * login), sensitive and never extractable, so that its value never leaves the token. The usage flags allow every
 * operation of its family; Key Vault's key_ops are enforced above the backend. Decrypt and unwrap exist only for
 * RSA (an ECDSA key has neither).
 */
export function privateKeyTemplate(family: Exclude<KeyFamily, "oct">, id: Buffer, label: string): Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: KEY_TYPE[family] },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
    ...(family === "RSA"
      ? [
          { type: pkcs11js.CKA_DECRYPT, value: true },
          { type: pkcs11js.CKA_UNWRAP, value: true },
        ]
      : []),
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_LABEL, value: label },
  ];
}

/** The public half beside it, under the same CKA_ID and label: an EC private object does not carry its point. */
export function publicKeyTemplate(family: Exclude<KeyFamily, "oct">, id: Buffer, label: string): Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: KEY_TYPE[family] },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: false },
    { type: pkcs11js.CKA_VERIFY, value: true },
    ...(family === "RSA"
      ? [
          { type: pkcs11js.CKA_ENCRYPT, value: true },
          { type: pkcs11js.CKA_WRAP, value: true },
        ]
      : []),
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_LABEL, value: label },
  ];
}
