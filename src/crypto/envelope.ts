import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Encryption at rest. Every record gets its own random 256-bit data key (DEK); the record is sealed with
 * AES-256-GCM under the DEK and the DEK is sealed with AES-256-GCM under the master key. Both seals bind
 * the record's context (e.g. "secret/vault/name/version") as additional authenticated data, so a sealed
 * value cannot be moved to another record. Layout (bytes):
 *   1 format | 12 dek-iv | 32 wrapped-dek | 16 dek-tag | 12 iv | 16 tag | ciphertext
 */
const FORMAT_V1 = 1;
const IV = 12;
const TAG = 16;
const DEK = 32;
const HEADER = 1 + IV + DEK + TAG + IV + TAG;

export class EnvelopeError extends Error {
  constructor() {
    super("sealed record failed authentication");
    this.name = "EnvelopeError";
  }
}

function seal(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

function open(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    decipher.final(); // GCM yields nothing more here; it checks the tag and throws on a mismatch
    return plaintext;
  } catch {
    throw new EnvelopeError();
  }
}

/** Unwrapped data keys kept for reuse (reads of the same record skip one AES-GCM); bounded. */
const DEK_CACHE_LIMIT = 10_000;

export class Envelope {
  readonly #masterKey: Buffer;
  readonly #deks = new Map<string, Buffer>();

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error("the master key must be 32 bytes (256 bits)");
    this.#masterKey = Buffer.from(masterKey);
  }

  seal(plaintext: Buffer, context: string): Buffer {
    const aad = Buffer.from(context, "utf8");
    // One draw from the CSPRNG for the data key and both IVs (each call has a fixed cost on the hot write path).
    const random = randomBytes(DEK + IV + IV);
    const dek = random.subarray(0, DEK);
    const dekIv = random.subarray(DEK, DEK + IV);
    const iv = random.subarray(DEK + IV);
    const wrapped = seal(this.#masterKey, dekIv, dek, aad);
    const sealed = seal(dek, iv, plaintext, aad);
    dek.fill(0);
    return Buffer.concat([Buffer.of(FORMAT_V1), dekIv, wrapped.ciphertext, wrapped.tag, iv, sealed.tag, sealed.ciphertext]);
  }

  open(record: Buffer, context: string): Buffer {
    if (record.length < HEADER || record[0] !== FORMAT_V1) throw new EnvelopeError();
    const aad = Buffer.from(context, "utf8");
    let at = 1;
    const take = (n: number): Buffer => record.subarray(at, (at += n));
    const dekIv = take(IV);
    const wrappedDek = take(DEK);
    const dekTag = take(TAG);
    const iv = take(IV);
    const tag = take(TAG);
    const ciphertext = record.subarray(at);
    // The cache key is the wrapped key with its IV, tag and context: any other record misses.
    const id = `${record.toString("base64", 1, 1 + IV + DEK + TAG)}|${context}`;
    let dek = this.#deks.get(id);
    if (!dek) {
      dek = open(this.#masterKey, dekIv, wrappedDek, dekTag, aad);
      if (this.#deks.size >= DEK_CACHE_LIMIT) this.#deks.delete(this.#deks.keys().next().value!);
      this.#deks.set(id, dek);
    }
    return open(dek, iv, ciphertext, tag, aad);
  }

  /** A key for one purpose, derived from the master key (HKDF-SHA256), e.g. for backup blobs. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.#masterKey, Buffer.alloc(0), `keyhold:${purpose}`, 32));
  }
}

/** Authenticated encryption of a blob under a derived key: 12 iv | 16 tag | ciphertext. */
export function sealWithKey(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV);
  const s = seal(key, iv, plaintext, Buffer.from(aad, "utf8"));
  return Buffer.concat([iv, s.tag, s.ciphertext]);
}

export function openWithKey(key: Buffer, blob: Buffer, aad: string): Buffer {
  if (blob.length < IV + TAG) throw new EnvelopeError();
  return open(key, blob.subarray(0, IV), blob.subarray(IV + TAG), blob.subarray(IV, IV + TAG), Buffer.from(aad, "utf8"));
}
