import { constants, type KeyObject, publicEncrypt } from "node:crypto";
import { CryptoFailure } from "./aes.js";
import type { WrapAlgorithm } from "./key-types.js";

/**
 * RSA encryption (and wrapping) with a key's public half: RSA1_5, RSA-OAEP (SHA-1) or RSA-OAEP-256. A public-key
 * operation, fast enough to run in line, the same whichever backend holds the private half.
 */
export function rsaEncrypt(publicKey: KeyObject, alg: WrapAlgorithm, plaintext: Buffer): Buffer {
  try {
    if (alg === "RSA1_5") return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, plaintext);
    const oaepHash = alg === "RSA-OAEP" ? "sha1" : "sha256";
    return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext);
  } catch {
    throw new CryptoFailure();
  }
}
