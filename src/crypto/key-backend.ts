import type { NewKeyMaterial } from "./key-material.js";
import type { CurveName, EncryptionAlgorithm, KeyDescription, KeyFamily, SignatureAlgorithm, WrapAlgorithm } from "./key-types.js";

/**
 * A key version as a backend sees it. A software key's private material is sealed in the store and unsealed only
 * when needed (`material()`); a token key's private part never leaves its token, and `reference` names it there.
 */
export interface BackendKey {
  /** Stable identity of this version (vault/name/version), for caches. */
  id: string;
  description: KeyDescription;
  /** Where a token holds this version ("pkcs11:…"), or null for a software key. */
  reference: string | null;
  /** A software key's private material (PKCS#8 DER, or the raw oct key); a token key has none. */
  material: () => Buffer;
}

export interface CipherInput {
  iv?: Buffer | undefined;
  aad?: Buffer | undefined;
  tag?: Buffer | undefined;
}

export interface CipherOutput {
  value: Buffer;
  iv?: Buffer;
  tag?: Buffer;
}

export interface KeyOptions {
  size: number;
  curve: CurveName;
  publicExponent: number;
  hsm: boolean;
  /** What the token labels the object with (vault/name/version); software keys ignore it. */
  label: string;
}

/**
 * Where keys are made and used (docs/hsm.md). The vault layer talks only to this interface; `KeyBackends` routes
 * each version to the backend that holds it, so software and token keys live side by side. Algorithm/key fit is
 * checked before a backend is called; every decrypt or unwrap failure is thrown as CryptoFailure, and a token
 * that cannot be reached as a 503 KeyVaultError.
 */
export interface KeyBackend {
  /** The prefix of this backend's references ("pkcs11"), or "software" for keys whose material Keyhold holds. */
  readonly name: string;
  /** Whether keys made here are protected by hardware (may be labelled -HSM in production). */
  readonly hardwareProtected: boolean;
  generate(family: KeyFamily, options: KeyOptions): Promise<NewKeyMaterial>;
  importJwk(jwk: Record<string, unknown>, family: KeyFamily, options: Pick<KeyOptions, "hsm" | "label">): Promise<NewKeyMaterial>;
  encrypt(key: BackendKey, alg: EncryptionAlgorithm, plaintext: Buffer, input: CipherInput): Promise<CipherOutput>;
  decrypt(key: BackendKey, alg: EncryptionAlgorithm, ciphertext: Buffer, input: CipherInput): Promise<Buffer>;
  sign(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer): Promise<Buffer>;
  verify(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer, signature: Buffer): Promise<boolean>;
  wrap(key: BackendKey, alg: WrapAlgorithm, data: Buffer): Promise<Buffer>;
  unwrap(key: BackendKey, alg: WrapAlgorithm, wrapped: Buffer): Promise<Buffer>;
  /** Removes a key from the backend for good; a reference already gone is not an error. */
  destroy(reference: string): Promise<void>;
}

/** A backend that holds keys in a token, and can take keys in bring-your-own-key transfer blobs. */
export interface TokenKeyBackend extends KeyBackend {
  /**
   * Unwraps a BYOK transfer blob's key (CKM_RSA_AES_KEY_WRAP: RSA-OAEP-SHA1 of an AES key, then AES key wrap with
   * padding, RFC 5649) under the key-exchange key `kek` into the token, without the key leaving it.
   */
  importTransferBlob(
    kek: BackendKey,
    ciphertext: Buffer,
    family: KeyFamily,
    options: Pick<KeyOptions, "hsm" | "label">,
  ): Promise<NewKeyMaterial>;
  /** Closes the sessions and finalises the module. */
  close(): Promise<void>;
}
