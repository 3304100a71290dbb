import { createCipheriv, createDecipheriv } from "node:crypto";
import { freshGcmIv } from "./gcm-iv.js";
import { aesGcmOpen, aesGcmSeal } from "./openssl-native.js";

/** Every way a decrypt or unwrap can fail ends in this one error, which says nothing about why. */
export class CryptoFailure extends Error {
  constructor() {
    super("the cryptographic operation failed");
    this.name = "CryptoFailure";
  }
}

const bits = (key: Buffer): 128 | 192 | 256 => {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new CryptoFailure();
  return (key.length * 8) as 128 | 192 | 256;
};

/**
 * AES-GCM (NIST SP 800-38D) with a fresh 96-bit IV from the CSPRNG and a 128-bit tag, through the binding's one-shot
 * AES-GCM: cheaper per call than a node:crypto Cipheriv (docs/crypto-performance.md).
 */
export function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer | undefined): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  bits(key);
  const iv = freshGcmIv();
  const sealed = aesGcmSeal(key, iv, plaintext, aad);
  return { iv, ciphertext: sealed.subarray(0, plaintext.length), tag: sealed.subarray(plaintext.length) };
}

export function gcmDecrypt(key: Buffer, ciphertext: Buffer, iv: Buffer, tag: Buffer, aad: Buffer | undefined): Buffer {
  try {
    if (iv.length !== 12 || tag.length !== 16) throw new CryptoFailure();
    return aesGcmOpen(key, iv, ciphertext, tag, aad);
  } catch {
    throw new CryptoFailure();
  }
}

/** AES-CBC with a 128-bit IV; `pad` selects PKCS#7 padding (the …CBCPAD algorithms). */
export function cbcEncrypt(key: Buffer, plaintext: Buffer, iv: Buffer, pad: boolean): Buffer {
  if (iv.length !== 16 || (!pad && plaintext.length % 16 !== 0)) throw new CryptoFailure();
  const cipher = createCipheriv(`aes-${bits(key)}-cbc`, key, iv).setAutoPadding(pad);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

export function cbcDecrypt(key: Buffer, ciphertext: Buffer, iv: Buffer, pad: boolean): Buffer {
  try {
    if (iv.length !== 16 || ciphertext.length % 16 !== 0 || ciphertext.length === 0) throw new CryptoFailure();
    const decipher = createDecipheriv(`aes-${bits(key)}-cbc`, key, iv).setAutoPadding(pad);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new CryptoFailure();
  }
}

/** RFC 3394 AES key wrap with the default initial value, through OpenSSL's id-aesNNN-wrap. */
const KW_IV = Buffer.from("A6A6A6A6A6A6A6A6", "hex");

export function keyWrap(key: Buffer, data: Buffer): Buffer {
  if (data.length < 16 || data.length % 8 !== 0) throw new CryptoFailure();
  const cipher = createCipheriv(`id-aes${bits(key)}-wrap`, key, KW_IV);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

export function keyUnwrap(key: Buffer, wrapped: Buffer): Buffer {
  try {
    if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new CryptoFailure();
    const decipher = createDecipheriv(`id-aes${bits(key)}-wrap`, key, KW_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    throw new CryptoFailure();
  }
}
