import type { KeyObject } from "node:crypto";
import { OctetString, fromBER } from "asn1js";
import type { CurveName, PublicJwk } from "../key-types.js";
import { CURVE_BITS } from "../key-types.js";
import { publicJwkOf, publicKeyOf } from "../key-material.js";

/** A token key's public half as Key Vault describes it, and as node:crypto holds it for the public-key operations. */
export interface TokenPublicKey {
  jwk: PublicJwk;
  keyObject: KeyObject;
}

/**
 * From CKA_MODULUS and CKA_PUBLIC_EXPONENT (big-endian integers). The JWK is made by node:crypto, so it is
 * byte-identical to what the software backend gives for the same key (no leading zero octets, base64url).
 */
export function rsaPublicKey(modulus: Buffer, publicExponent: Buffer): TokenPublicKey {
  const keyObject = publicKeyOf({ kty: "RSA", n: modulus.toString("base64url"), e: publicExponent.toString("base64url") });
  return { jwk: publicJwkOf(keyObject), keyObject };
}

/** The bytes of one coordinate of a point on the curve (and of r and s in an ECDSA signature). */
export const fieldBytes = (curve: CurveName): number => Math.ceil(CURVE_BITS[curve] / 8);

/**
 * From CKA_EC_POINT: PKCS#11 says a DER OCTET STRING holding the uncompressed point, and some tokens give the bare
 * point; both are accepted. node:crypto checks that the point lies on the curve.
 */
export function ecPublicKey(curve: CurveName, ecPoint: Buffer): TokenPublicKey {
  const size = fieldBytes(curve);
  let point = ecPoint;
  if (point.length !== 1 + 2 * size) {
    const parsed = fromBER(new Uint8Array(ecPoint));
    if (parsed.offset === -1 || !(parsed.result instanceof OctetString)) throw new Error("the token's EC point does not parse");
    point = Buffer.from(parsed.result.valueBlock.valueHexView);
  }
  if (point.length !== 1 + 2 * size || point[0] !== 4) throw new Error("the token's EC point is not an uncompressed point of its curve");
  const x = point.subarray(1, 1 + size).toString("base64url");
  const y = point.subarray(1 + size).toString("base64url");
  const keyObject = publicKeyOf({ kty: "EC", crv: curve, x, y });
  return { jwk: publicJwkOf(keyObject), keyObject };
}

/** CKA_EC_POINT for a public key object: the uncompressed point (x, y of a JWK) as a DER OCTET STRING. */
export function ecPointAttribute(curve: CurveName, jwk: { x?: string; y?: string }): Buffer {
  const size = fieldBytes(curve);
  const coordinate = (value: string | undefined): Buffer => {
    const bytes = Buffer.from(value ?? "", "base64url");
    return Buffer.concat([Buffer.alloc(Math.max(0, size - bytes.length)), bytes]);
  };
  const point = Buffer.concat([Buffer.of(4), coordinate(jwk.x), coordinate(jwk.y)]);
  return Buffer.from(new OctetString({ valueHex: point }).toBER());
}
