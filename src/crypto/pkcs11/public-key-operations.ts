import type { KeyObject } from "node:crypto";
import type { BackendKey } from "../key-backend.js";
import { publicKeyOf } from "../key-material.js";
import type { SignatureAlgorithm, WrapAlgorithm } from "../key-types.js";
import { type NativeKey, loadPublicKey, verifyDigest } from "../openssl-native.js";
import { rsaEncrypt } from "../rsa-encryption.js";

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
    return rsaEncrypt(this.#half(key).keyObject, alg, plaintext);
  }

  #half(key: BackendKey): PublicHalf {
    let half = this.#cache.get(key.id);
    if (half) return half;
    const keyObject = publicKeyOf(key.description.jwk);
    half = { keyObject, native: loadPublicKey(keyObject.export({ format: "der", type: "spki" })) };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key.id, half);
    return half;
  }
}
