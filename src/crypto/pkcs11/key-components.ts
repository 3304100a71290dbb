import type { JsonWebKey } from "node:crypto";
import pkcs11js, { type Template } from "pkcs11js";
import type { PublicJwk } from "../key-types.js";
import { CURVE_PARAMS } from "./key-templates.js";
import { ecPointAttribute } from "./token-public-key.js";

/**
 * A key's values as the attributes of its token objects: what C_CreateObject needs beside the protective
 * attributes (key-templates.ts) when a key is imported, or when a public object is made for an unwrapped key.
 */

const bytes = (member: string | undefined): Buffer => Buffer.from(member ?? "", "base64url");

/** The public key object's values: RSA modulus and exponent, or the curve and its point. */
export function publicComponents(jwk: PublicJwk): Template {
  if (jwk.kty === "RSA") {
    return [
      { type: pkcs11js.CKA_MODULUS, value: bytes(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: bytes(jwk.e) },
    ];
  }
  return [
    { type: pkcs11js.CKA_EC_PARAMS, value: CURVE_PARAMS[jwk.crv!] },
    { type: pkcs11js.CKA_EC_POINT, value: ecPointAttribute(jwk.crv!, jwk) },
  ];
}

/**
 * The private key object's values, from a private JWK as node:crypto exports it (RSA: n, e, d, p, q, dp, dq, qi; EC:
 * the curve and d). `secrets` are the buffers holding private values, for the caller to overwrite once the token has
 * them (best effort: the JWK's strings stay until collected).
 */
export function privateComponents(publicJwk: PublicJwk, privateJwk: JsonWebKey): { template: Template; secrets: Buffer[] } {
  const secrets: Buffer[] = [];
  const secret = (member: string | undefined): Buffer => {
    const value = bytes(member);
    secrets.push(value);
    return value;
  };
  if (publicJwk.kty === "RSA") {
    const template = [
      ...publicComponents(publicJwk),
      { type: pkcs11js.CKA_PRIVATE_EXPONENT, value: secret(privateJwk.d) },
      { type: pkcs11js.CKA_PRIME_1, value: secret(privateJwk.p) },
      { type: pkcs11js.CKA_PRIME_2, value: secret(privateJwk.q) },
      { type: pkcs11js.CKA_EXPONENT_1, value: secret(privateJwk.dp) },
      { type: pkcs11js.CKA_EXPONENT_2, value: secret(privateJwk.dq) },
      { type: pkcs11js.CKA_COEFFICIENT, value: secret(privateJwk.qi) },
    ];
    return { template, secrets };
  }
  const template = [
    { type: pkcs11js.CKA_EC_PARAMS, value: CURVE_PARAMS[publicJwk.crv!] },
    { type: pkcs11js.CKA_VALUE, value: secret(privateJwk.d) },
  ];
  return { template, secrets };
}
