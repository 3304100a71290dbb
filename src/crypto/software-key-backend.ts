import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, webcrypto } from "node:crypto";
import { CryptoFailure, cbcDecrypt, cbcEncrypt, gcmDecrypt, gcmEncrypt, keyUnwrap, keyWrap } from "./aes.js";
import type { BackendKey, CipherInput, CipherOutput, KeyBackend } from "./key-backend.js";
import { generateKeyMaterial, importKeyMaterial } from "./key-material.js";
import { rsaEncrypt } from "./rsa-encryption.js";
import type { EncryptionAlgorithm, SignatureAlgorithm, WrapAlgorithm } from "./key-types.js";
import { type NativeKey, loadPrivateKey, rsaPkcs1Decrypt, signDigest, verifyDigest } from "./openssl-native.js";

/** A key version made ready for use: parsed once, then kept (the material of a version never changes). */
interface PreparedKey {
  secret?: Buffer;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
  native?: NativeKey;
  oaep: Map<string, Promise<webcrypto.CryptoKey>>;
}

const CACHE_LIMIT = 4096;

/**
 * Keys in software, through OpenSSL: node:crypto where it has the operation, and a thin binding to OpenSSL
 * (openssl-native.ts) for what it lacks: signing and verifying a given digest, and RSA1_5 decryption with
 * implicit rejection (docs/clients.md §7). Private-key operations run on the thread pool, off the event loop.
 */
export class SoftwareKeyBackend implements KeyBackend {
  readonly name = "software";
  readonly hardwareProtected = false;
  readonly #prepared = new Map<string, PreparedKey>();

  generate: KeyBackend["generate"] = (family, options) => generateKeyMaterial(family, options);
  importJwk: KeyBackend["importJwk"] = (jwk, family, options) => importKeyMaterial(jwk, family, options.hsm);

  /** The material was sealed in the store, whose purge erased it: nothing is held elsewhere. */
  async destroy(): Promise<void> {}

  #prepare(key: BackendKey): PreparedKey {
    let prepared = this.#prepared.get(key.id);
    if (prepared) return prepared;
    const material = key.material();
    if (key.description.jwk.kty === "oct") {
      prepared = { secret: material, oaep: new Map() };
    } else {
      const privateKey = createPrivateKey({ key: material, format: "der", type: "pkcs8" });
      prepared = { privateKey, publicKey: createPublicKey(privateKey), native: loadPrivateKey(material), oaep: new Map() };
    }
    if (this.#prepared.size >= CACHE_LIMIT) this.#prepared.delete(this.#prepared.keys().next().value!);
    this.#prepared.set(key.id, prepared);
    return prepared;
  }

  async encrypt(key: BackendKey, alg: EncryptionAlgorithm, plaintext: Buffer, input: CipherInput): Promise<CipherOutput> {
    const k = this.#prepare(key);
    if (alg.startsWith("RSA")) return { value: rsaEncrypt(k.publicKey!, alg as WrapAlgorithm, plaintext) };
    if (alg.endsWith("GCM")) {
      const sealed = gcmEncrypt(k.secret!, plaintext, input.aad);
      return { value: sealed.ciphertext, iv: sealed.iv, tag: sealed.tag };
    }
    // keyvault-keys 4.10 sends CBC encrypts without an IV (docs/clients.md §6): then the server makes one.
    const iv = input.iv ?? randomBytes(16);
    return { value: cbcEncrypt(k.secret!, plaintext, iv, alg.endsWith("PAD")), iv };
  }

  async decrypt(key: BackendKey, alg: EncryptionAlgorithm, ciphertext: Buffer, input: CipherInput): Promise<Buffer> {
    const k = this.#prepare(key);
    if (alg.startsWith("RSA")) return this.#rsaDecrypt(k, alg as WrapAlgorithm, ciphertext);
    if (alg.endsWith("GCM")) {
      if (!input.iv || !input.tag) throw new CryptoFailure();
      return gcmDecrypt(k.secret!, ciphertext, input.iv, input.tag, input.aad);
    }
    if (!input.iv) throw new CryptoFailure();
    return cbcDecrypt(k.secret!, ciphertext, input.iv, alg.endsWith("PAD"));
  }

  sign(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer): Promise<Buffer> {
    return signDigest(this.#prepare(key).native!, alg, digest);
  }

  verify(key: BackendKey, alg: SignatureAlgorithm, digest: Buffer, signature: Buffer): Promise<boolean> {
    return verifyDigest(this.#prepare(key).native!, alg, digest, signature);
  }

  async wrap(key: BackendKey, alg: WrapAlgorithm, data: Buffer): Promise<Buffer> {
    const k = this.#prepare(key);
    return alg.startsWith("RSA") ? rsaEncrypt(k.publicKey!, alg, data) : keyWrap(k.secret!, data);
  }

  async unwrap(key: BackendKey, alg: WrapAlgorithm, wrapped: Buffer): Promise<Buffer> {
    const k = this.#prepare(key);
    return alg.startsWith("RSA") ? this.#rsaDecrypt(k, alg, wrapped) : keyUnwrap(k.secret!, wrapped);
  }

  /** RSA1_5 through the binding (implicit rejection: no padding oracle); OAEP through WebCrypto (thread pool). */
  async #rsaDecrypt(k: PreparedKey, alg: WrapAlgorithm, ciphertext: Buffer): Promise<Buffer> {
    try {
      if (alg === "RSA1_5") return await rsaPkcs1Decrypt(k.native!, ciphertext);
      const hash = alg === "RSA-OAEP" ? "SHA-1" : "SHA-256";
      let cryptoKey = k.oaep.get(hash);
      if (!cryptoKey) {
        const der = k.privateKey!.export({ format: "der", type: "pkcs8" });
        cryptoKey = webcrypto.subtle.importKey("pkcs8", der, { name: "RSA-OAEP", hash }, false, ["decrypt"]);
        k.oaep.set(hash, cryptoKey);
      }
      return Buffer.from(await webcrypto.subtle.decrypt({ name: "RSA-OAEP" }, await cryptoKey, ciphertext));
    } catch {
      throw new CryptoFailure();
    }
  }
}
