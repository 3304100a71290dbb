import type { NewKeyMaterial } from "./key-material.js";
import type { CurveName, EncryptionAlgorithm, KeyDescription, KeyFamily, SignatureAlgorithm, WrapAlgorithm } from "./key-types.js";

/** A key version as a backend sees it: what it is, and its private material, unsealed only when needed. */
export interface BackendKey {
  /** Stable identity of this version (vault/name/version), for caches. */
  id: string;
  description: KeyDescription;
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

/**
 * Where keys are made and used. The API layer talks only to this interface, so a PKCS#11 backend (real HSM
 * keys) can replace or sit beside the software one. Algorithm/key fit is checked before a backend is called;
 * every decrypt or unwrap failure is thrown as CryptoFailure.
 */
export interface KeyBackend {
  /** Whether keys made here are protected by hardware (may be labelled -HSM in production). */
  readonly hardwareProtected: boolean;
  generate(family: KeyFamily, options: { size: number; curve: CurveName; publicExponent: number; hsm: boolean }): Promise<NewKeyMaterial>;
  importJwk(jwk: Record<string, unknown>, family: KeyFamily, hsm: boolean): Promise<NewKeyMaterial>;
  encrypt(key: BackendKey, alg: EncryptionAlgorithm, plaintext: Buffer, input: CipherInput): Promise<CipherOutput>;
  decrypt(key: BackendKey, alg: EncryptionAlgorithm, ciphertext: Buffer, input: CipherInput): Promise<Buffer>;
  sign(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer): Promise<Buffer>;
  verify(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer, signature: Buffer): Promise<boolean>;
  wrap(key: BackendKey, alg: WrapAlgorithm, data: Buffer): Promise<Buffer>;
  unwrap(key: BackendKey, alg: WrapAlgorithm, wrapped: Buffer): Promise<Buffer>;
}
