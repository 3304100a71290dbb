/** Azure Key Vault's key types, curves and algorithms (spec keys.json; RFC 7518 for the JOSE names). */
export type KeyFamily = "RSA" | "EC" | "oct";
export type CurveName = "P-256" | "P-256K" | "P-384" | "P-521";
export type SignatureAlgorithm = "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES256K" | "ES384" | "ES512";
export type EncryptionAlgorithm =
  | "RSA1_5"
  | "RSA-OAEP"
  | "RSA-OAEP-256"
  | "A128GCM"
  | "A192GCM"
  | "A256GCM"
  | "A128CBC"
  | "A192CBC"
  | "A256CBC"
  | "A128CBCPAD"
  | "A192CBCPAD"
  | "A256CBCPAD";
export type WrapAlgorithm = "RSA1_5" | "RSA-OAEP" | "RSA-OAEP-256" | "A128KW" | "A192KW" | "A256KW";

export const KEY_OPERATIONS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"] as const;
export type KeyOperation = (typeof KEY_OPERATIONS)[number];

/** The public half of a key (and for `oct`, only its size), as a JWK without `kid` and `key_ops`. */
export interface PublicJwk {
  kty: KeyFamily;
  n?: string;
  e?: string;
  crv?: CurveName;
  x?: string;
  y?: string;
}

/** What a key version is, fixed when it is made; kept in clear beside the sealed private material. */
export interface KeyDescription {
  jwk: PublicJwk;
  /** Created as an -HSM type. */
  hsm: boolean;
  /** RSA modulus or oct key length in bits; EC: the curve's field size. */
  size: number;
}

export const NODE_CURVE: Record<CurveName, string> = {
  "P-256": "prime256v1",
  "P-256K": "secp256k1",
  "P-384": "secp384r1",
  "P-521": "secp521r1",
};

export const CURVE_BITS: Record<CurveName, number> = { "P-256": 256, "P-256K": 256, "P-384": 384, "P-521": 521 };

/** Each signature algorithm's family, curve (ECDSA) and digest length in bytes. */
export const SIGNATURE_ALGORITHMS: Record<SignatureAlgorithm, { family: KeyFamily; curve?: CurveName; digestBytes: number }> = {
  RS256: { family: "RSA", digestBytes: 32 },
  RS384: { family: "RSA", digestBytes: 48 },
  RS512: { family: "RSA", digestBytes: 64 },
  PS256: { family: "RSA", digestBytes: 32 },
  PS384: { family: "RSA", digestBytes: 48 },
  PS512: { family: "RSA", digestBytes: 64 },
  ES256: { family: "EC", curve: "P-256", digestBytes: 32 },
  ES256K: { family: "EC", curve: "P-256K", digestBytes: 32 },
  ES384: { family: "EC", curve: "P-384", digestBytes: 48 },
  ES512: { family: "EC", curve: "P-521", digestBytes: 64 },
};

/** Encryption and wrapping algorithms: their family and, for AES, the key length they need. */
export const CIPHER_ALGORITHMS: Record<EncryptionAlgorithm | WrapAlgorithm, { family: KeyFamily; keyBits?: number }> = {
  RSA1_5: { family: "RSA" },
  "RSA-OAEP": { family: "RSA" },
  "RSA-OAEP-256": { family: "RSA" },
  A128GCM: { family: "oct", keyBits: 128 },
  A192GCM: { family: "oct", keyBits: 192 },
  A256GCM: { family: "oct", keyBits: 256 },
  A128CBC: { family: "oct", keyBits: 128 },
  A192CBC: { family: "oct", keyBits: 192 },
  A256CBC: { family: "oct", keyBits: 256 },
  A128CBCPAD: { family: "oct", keyBits: 128 },
  A192CBCPAD: { family: "oct", keyBits: 192 },
  A256CBCPAD: { family: "oct", keyBits: 256 },
  A128KW: { family: "oct", keyBits: 128 },
  A192KW: { family: "oct", keyBits: 192 },
  A256KW: { family: "oct", keyBits: 256 },
};

export const ENCRYPTION_ALGORITHMS = Object.keys(CIPHER_ALGORITHMS).filter((a) => !a.endsWith("KW")) as EncryptionAlgorithm[];
export const WRAP_ALGORITHMS: WrapAlgorithm[] = ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256", "A128KW", "A192KW", "A256KW"];

/** Azure's default `key_ops` for a new key of each family. */
export const DEFAULT_KEY_OPS: Record<KeyFamily, KeyOperation[]> = {
  RSA: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
  EC: ["sign", "verify"],
  oct: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
};
