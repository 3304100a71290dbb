import pkcs11js, { type Mechanism, type RsaOAEP, type RsaPSS } from "pkcs11js";
import type { SignatureAlgorithm, WrapAlgorithm } from "../key-types.js";
import { rsaOaepDecode, rsaPssEncode } from "../openssl-native.js";

/**
 * How each Key Vault RSA algorithm becomes a PKCS#11 mechanism (docs/hsm.md). Where a token lacks a padding
 * mechanism, the private-key operation still runs in the token as raw RSA (CKM_RSA_X_509) and the padding is
 * encoded or decoded outside it, by OpenSSL through the project's binding: the key never leaves the token.
 */

/** Where a padding runs: in the token, as raw RSA in the token with the padding in Keyhold, or nowhere. */
export type PaddingPath = "token" | "raw" | "unsupported";

type RsaHash = "sha1" | "sha256" | "sha384" | "sha512";

/** PKCS#11's CKZ_DATA_SPECIFIED (pkcs11js lacks the constant): the OAEP label is the data given, here none. */
const CKZ_DATA_SPECIFIED = 1;

const HASHES: Record<RsaHash, { mechanism: number; mgf: number; bytes: number }> = {
  sha1: { mechanism: pkcs11js.CKM_SHA_1, mgf: pkcs11js.CKG_MGF1_SHA1, bytes: 20 },
  sha256: { mechanism: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, bytes: 32 },
  sha384: { mechanism: pkcs11js.CKM_SHA384, mgf: pkcs11js.CKG_MGF1_SHA384, bytes: 48 },
  sha512: { mechanism: pkcs11js.CKM_SHA512, mgf: pkcs11js.CKG_MGF1_SHA512, bytes: 64 },
};

/** OAEP with MGF1 of the same hash and no label, as Key Vault's RSA-OAEP (SHA-1) and RSA-OAEP-256. */
export function oaepMechanism(hash: "sha1" | "sha256"): Mechanism {
  const { mechanism: hashAlg, mgf } = HASHES[hash];
  const parameter: RsaOAEP = { type: pkcs11js.CK_PARAMS_RSA_OAEP, hashAlg, mgf, source: CKZ_DATA_SPECIFIED };
  return { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter };
}

/**
 * PSS with MGF1 of the same hash and a salt as long as the hash: what the software backend signs with (OpenSSL's
 * RSA_PSS_SALTLEN_DIGEST), so that both give signatures any verifier of Key Vault's PS* accepts.
 */
export function pssMechanism(hash: "sha256" | "sha384" | "sha512"): Mechanism {
  const { mechanism: hashAlg, mgf, bytes } = HASHES[hash];
  const parameter: RsaPSS = { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg, mgf, saltLen: bytes };
  return { mechanism: pkcs11js.CKM_RSA_PKCS_PSS, parameter };
}

/** DER of the DigestInfo before the digest (RFC 8017 §9.2 note 1): CKM_RSA_PKCS signs DigestInfo ‖ digest. */
const DIGEST_INFO_PREFIX: Record<"sha256" | "sha384" | "sha512", Buffer> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

const SIGNATURE_HASH: Record<string, "sha256" | "sha384" | "sha512"> = {
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
  PS256: "sha256",
  PS384: "sha384",
  PS512: "sha512",
};

/** What the token signs for an RS* or PS* algorithm: the mechanism and its input, given where PSS runs. */
export function rsaSigning(
  alg: SignatureAlgorithm,
  digest: Buffer,
  modulusBits: number,
  pss: PaddingPath,
): { mechanism: Mechanism; data: Buffer } {
  const hash = SIGNATURE_HASH[alg];
  if (!hash) throw new Error(`${alg} is not an RSA signature algorithm`);
  if (digest.length !== HASHES[hash].bytes) throw new Error(`${alg} signs a digest of ${HASHES[hash].bytes} bytes`);
  if (alg.startsWith("RS"))
    return { mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS }, data: Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]) };
  if (pss === "token") return { mechanism: pssMechanism(hash), data: digest };
  return { mechanism: { mechanism: pkcs11js.CKM_RSA_X_509 }, data: rsaPssEncode(digest, modulusBits, hash) };
}

/**
 * How the token decrypts (or unwraps) for an OAEP algorithm, and what is left to do outside: nothing, or the
 * OAEP-256 decoding of the raw RSA result. RSA1_5 never takes the token's CKM_RSA_PKCS, which fails on a wrong
 * padding and so would be a padding oracle: it has a path of its own (implicit-rejection.ts).
 */
export function rsaDecryption(
  alg: Exclude<WrapAlgorithm, "RSA1_5">,
  oaep256: PaddingPath,
): { mechanism: Mechanism; finish: (output: Buffer, modulusBytes: number) => Buffer } {
  const asIs = (output: Buffer): Buffer => output;
  if (alg === "RSA-OAEP") return { mechanism: oaepMechanism("sha1"), finish: asIs };
  if (alg === "RSA-OAEP-256" && oaep256 === "token") return { mechanism: oaepMechanism("sha256"), finish: asIs };
  return {
    mechanism: { mechanism: pkcs11js.CKM_RSA_X_509 },
    finish: (output, modulusBytes) => rsaOaepDecode(output, modulusBytes, "sha256"),
  };
}
