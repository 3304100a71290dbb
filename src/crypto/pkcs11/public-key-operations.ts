import { constants, createPublicKey, type KeyObject, publicEncrypt } from "node:crypto";
import { CryptoFailure } from "../aes.js";
import type { BackendKey } from "../key-backend.js";
import type { SignatureAlgorithm, WrapAlgorithm } from "../key-types.js";
import { type NativeKey, loadPublicKey, verifyDigest } from "../openssl-native.js";

interface PublicHalf {
  keyObject: KeyObject;
  native: NativeKey;
}

const CACHE_LIMIT = 4096;

/**
 * Verify, encrypt and wrap need only a key's public half, which the vault already holds in clear: they run in
 * Keyhold as the software backend runs them (same OpenSSL calls, same results), and never touch the token.
 */
export class PublicKeyOperations {
  readonly #cache = new Map<string, PublicHalf>();

  verify(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer, signature: Buffer): Promise<boolean> {
    return verifyDigest(this.#half(key).native, alg, digest, signature);
  }

  /** RSA1_5, RSA-OAEP (SHA-1) or RSA-OAEP-256, as the software backend encrypts. */
  rsaEncrypt(key: BackendKey, alg: WrapAlgorithm, plaintext: Buffer): Buffer {
    const { keyObject } = this.#half(key);
    try {
      if (alg === "RSA1_5") return publicEncrypt({ key: keyObject, padding: constants.RSA_PKCS1_PADDING }, plaintext);
      const oaepHash = alg === "RSA-OAEP" ? "sha1" : "sha256";
      return publicEncrypt({ key: keyObject, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext);
    } catch {
      throw new CryptoFailure();
    }
  }

  #half(key: BackendKey): PublicHalf {
    let half = this.#cache.get(key.id);
    if (half) return half;
    const { jwk } = key.description;
    const nodeJwk = { ...jwk, ...(jwk.crv === "P-256K" && { crv: "secp256k1" }) };
    const keyObject = createPublicKey({ key: nodeJwk as never, format: "jwk" });
    half = { keyObject, native: loadPublicKey(keyObject.export({ format: "der", type: "spki" })) };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key.id, half);
    return half;
  }
}
