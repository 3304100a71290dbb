/**
 * Typed access to the `keyhold_openssl` addon (native/keyhold_openssl.cc): a thin binding to the
 * OpenSSL inside Node for what node:crypto cannot do and Key Vault's API needs — signing and verifying a digest
 * the client already computed (RS*, PS*, ES*), and RSA1_5 (RSAES-PKCS1-v1_5) decryption with implicit rejection,
 * so that it is no padding oracle. And AES-GCM of a whole message in one call, which node:crypto has only through
 * a Cipheriv object per message: several times the cost of the cipher itself for the few kilobytes stored.
 *
 * And RSA padding without the key operation (OAEP decoding, PSS encoding, PKCS #1 v1.5 decoding with implicit
 * rejection), for tokens whose RSA mechanisms lack a scheme (or its safe form) and leave Keyhold the raw RSA private
 * operation (CKM_RSA_X_509) and the padding around it.
 *
 * Private-key operations run on the libuv thread pool; none blocks the event loop. AES-GCM and the RSA padding run in
 * line, as node:crypto's AES does (a few microseconds: less than the hop to the pool would cost). The addon is built by
 * `npm install` / `npm ci` (the package's `install` script runs `node-gyp rebuild`) into build/Release/.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CryptoFailure } from "./aes.js";
import type { SignatureAlgorithm } from "./key-types.js";

export type { SignatureAlgorithm } from "./key-types.js";

declare const nativeKeyBrand: unique symbol;
/** An OpenSSL key (EVP_PKEY) held by the addon; freed when collected. Opaque. */
export type NativeKey = { readonly [nativeKeyBrand]: true };

type Callback<T> = (err: Error | null, result?: T) => void;

interface Addon {
  loadPrivateKey(pkcs8Der: Uint8Array): NativeKey;
  loadPublicKey(spkiDer: Uint8Array): NativeKey;
  signDigest(key: NativeKey, alg: string, digest: Uint8Array, callback: Callback<Buffer>): void;
  verifyDigest(key: NativeKey, alg: string, digest: Uint8Array, signature: Uint8Array, callback: Callback<boolean>): void;
  rsaPkcs1Decrypt(key: NativeKey, ciphertext: Uint8Array, callback: Callback<Buffer>): void;
  aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array | undefined): Buffer;
  aesGcmOpen(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array | undefined): Buffer;
  rsaOaepDecode(encoded: Uint8Array, modulusBytes: number, hash: string): Buffer;
  rsaPssEncode(digest: Uint8Array, modulusBits: number, hash: string): Buffer;
  rsaPkcs1DecodeImplicit(encoded: Uint8Array, kdk: Uint8Array, modulusBytes: number): Buffer;
}

const ADDON_PATH = join("build", "Release", "keyhold_openssl.node");

/** The project root: the nearest directory up from this file that holds package.json (works from src/ and dist/src/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("keyhold_openssl: no package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

let addon: Addon | undefined;

function load(): Addon {
  if (!addon) {
    const path = join(projectRoot(), ADDON_PATH);
    if (!existsSync(path)) {
      throw new Error(`keyhold_openssl addon not built (${path} is missing): run \`npm install\` or \`npm run install\``);
    }
    addon = createRequire(import.meta.url)(path) as Addon;
  }
  return addon;
}

/** Loads a PKCS #8 PrivateKeyInfo (DER): RSA or EC (P-256, secp256k1, P-384, P-521). Throws if it does not parse. */
export function loadPrivateKey(der: Buffer): NativeKey {
  return load().loadPrivateKey(der);
}

/** Loads a SubjectPublicKeyInfo (DER). Throws if it does not parse. */
export function loadPublicKey(der: Buffer): NativeKey {
  return load().loadPublicKey(der);
}

function call<T>(run: (callback: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/**
 * Signs `digest` (already hashed with the alg's hash: 32, 48 or 64 bytes) with a private key. RS*: PKCS #1 v1.5;
 * PS*: PSS with MGF1 of the same hash and a salt as long as the hash; ES*: the JWS form R‖S (RFC 7518 §3.4).
 * Rejects on a wrong digest length, a key that does not fit the alg, or a public key.
 */
export function signDigest(key: NativeKey, alg: SignatureAlgorithm, digest: Buffer): Promise<Buffer> {
  return call<Buffer>((callback) => load().signDigest(key, alg, digest, callback));
}

/** Verifies a signature over `digest`. A wrong signature (including one of the wrong length) resolves false. */
export function verifyDigest(key: NativeKey, alg: SignatureAlgorithm, digest: Buffer, signature: Buffer): Promise<boolean> {
  return call<boolean>((callback) => load().verifyDigest(key, alg, digest, signature, callback));
}

/**
 * RSAES-PKCS1-v1_5 decryption (Key Vault's RSA1_5) with implicit rejection: a ciphertext whose padding is invalid
 * does not fail, it decrypts to a deterministic pseudo-random message derived from the key and the ciphertext.
 * Fails only with the generic "operation failed" (wrong key type, ciphertext longer than or not below the modulus).
 */
export function rsaPkcs1Decrypt(key: NativeKey, ciphertext: Buffer): Promise<Buffer> {
  return call<Buffer>((callback) => load().rsaPkcs1Decrypt(key, ciphertext, callback));
}

/**
 * AES-GCM encryption (NIST SP 800-38D) with a 16, 24 or 32 byte key, the caller's 96-bit IV (never reuse one under
 * a key) and optional additional authenticated data. Returns the ciphertext followed by the 128-bit tag.
 */
export function aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Buffer {
  return load().aesGcmSeal(key, iv, plaintext, aad);
}

/**
 * AES-GCM decryption: the plaintext if the 128-bit tag verifies (OpenSSL checks it). Otherwise — wrong key, IV, AAD,
 * tag or ciphertext, or an IV that is not 96 bits — throws the generic "operation failed", and no plaintext at all.
 */
export function aesGcmOpen(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad?: Uint8Array): Buffer {
  return load().aesGcmOpen(key, iv, ciphertext, tag, aad);
}

/** The hashes Key Vault's RSA-OAEP (SHA-1) and RSA-OAEP-256 use, for the OAEP hash and MGF1 alike. */
export type OaepHash = "sha1" | "sha256";

/** The hashes of PS256, PS384 and PS512. */
export type PssHash = "sha256" | "sha384" | "sha512";

/**
 * EME-OAEP decoding (RFC 8017 §7.1.2 step 3) of what a raw RSA decryption (RSADP) of a k-byte modulus returned: MGF1
 * over `hash` too, empty label. `encoded` may be shorter than k (tokens may drop leading zero bytes). OpenSSL checks
 * the padding in constant time, and every failure is the same CryptoFailure, so a caller is no padding oracle.
 */
export function rsaOaepDecode(encoded: Buffer, modulusBytes: number, hash: OaepHash): Buffer {
  try {
    return load().rsaOaepDecode(encoded, modulusBytes, hash);
  } catch {
    throw new CryptoFailure();
  }
}

/**
 * EMSA-PSS encoding (RFC 8017 §9.1.1) of `digest` (already hashed with `hash`) for a modulus of `modulusBits` bits,
 * with MGF1 over `hash` and a fresh salt as long as the digest — the parameters signDigest uses for PS*, so a raw
 * RSA private operation (RSASP1) on the k-byte result is the signature signDigest would make. Throws on a digest
 * of the wrong length or a modulus too small for the hash.
 */
export function rsaPssEncode(digest: Buffer, modulusBits: number, hash: PssHash): Buffer {
  return load().rsaPssEncode(digest, modulusBits, hash);
}

/**
 * EME-PKCS1-v1_5 decoding with implicit rejection (draft-irtf-cfrg-rsa-guidance §7) of what a raw RSA decryption
 * (RSADP) of a k-byte modulus returned, given the 32-byte key derivation key (KDK) of that key and ciphertext: the
 * message if the padding is right, otherwise the synthetic message the KDK determines — never an error, so a caller
 * is no padding oracle. The same code as rsaPkcs1Decrypt, whose KDK comes from the private exponent; here the caller
 * derives it (a token does, with a secret of its own). `encoded` may be shorter than k (tokens may drop leading zero
 * bytes). Throws only on bad arguments: a KDK that is not 32 bytes, an unsupported size, `encoded` longer than k.
 */
export function rsaPkcs1DecodeImplicit(encoded: Buffer, kdk: Buffer, modulusBytes: number): Buffer {
  return load().rsaPkcs1DecodeImplicit(encoded, kdk, modulusBytes);
}
