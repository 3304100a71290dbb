import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import { aesGcmOpen, aesGcmSeal } from "./openssl-native.js";

/**
 * Encryption at rest. Every record gets its own random 256-bit data key (DEK); the record is sealed with
 * AES-256-GCM under the DEK and the DEK is sealed with AES-256-GCM under a master key. Both seals bind the
 * record's context (e.g. "secret/vault/name/version") as additional authenticated data, so a sealed value cannot
 * be moved to another record. Layouts (bytes):
 *   format 1:  1 format | 12 dek-iv | 32 wrapped-dek | 16 dek-tag | 12 iv | 16 tag | ciphertext
 *   format 2:  1 format | 8 master-key-id | 12 dek-iv | 32 wrapped-dek | 16 dek-tag | 12 iv | 16 tag | ciphertext
 * Format 1 names no master key (records from before keyrings); format 2 names the one that wraps its DEK, so that
 * the keyring opens it with that key, and rotation re-wraps the DEK alone (docs/master-key.md).
 */
const FORMAT_V1 = 1;
const FORMAT_V2 = 2;
const KEY_ID = 8;
const IV = 12;
const TAG = 16;
const DEK = 32;
const WRAP = IV + DEK + TAG;
const HEADER_V1 = 1 + WRAP + IV + TAG;
const HEADER_V2 = 1 + KEY_ID + WRAP + IV + TAG;

export class EnvelopeError extends Error {
  constructor() {
    super("sealed record failed authentication");
    this.name = "EnvelopeError";
  }
}

/** A master key's public name: the first 8 bytes of HMAC-SHA-256(key, "keyhold master key id"), in hex. */
export function masterKeyId(key: Buffer): string {
  return createHmac("sha256", key).update("keyhold master key id").digest().subarray(0, KEY_ID).toString("hex");
}

/** AES-256-GCM through the binding's one-shot call, cheaper than a node:crypto Cipheriv (docs/crypto-performance.md). */
function seal(key: Buffer, iv: Buffer, plaintext: Buffer, aad: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const sealed = aesGcmSeal(key, iv, plaintext, aad);
  return { ciphertext: sealed.subarray(0, plaintext.length), tag: sealed.subarray(plaintext.length) };
}

function open(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, aad: Buffer): Buffer {
  try {
    return aesGcmOpen(key, iv, ciphertext, tag, aad);
  } catch {
    throw new EnvelopeError();
  }
}

/** A record split into its parts: which key wraps its DEK (null: format 1, unnamed), the wrap, and the sealed value. */
interface ParsedRecord {
  keyId: string | null;
  /** 12 dek-iv | 32 wrapped-dek | 16 dek-tag */
  wrap: Buffer;
  /** 12 iv | 16 tag | ciphertext: what a re-wrap keeps as it is. */
  body: Buffer;
}

function parse(record: Buffer): ParsedRecord {
  if (record[0] === FORMAT_V1 && record.length >= HEADER_V1) {
    return { keyId: null, wrap: record.subarray(1, 1 + WRAP), body: record.subarray(1 + WRAP) };
  }
  if (record[0] === FORMAT_V2 && record.length >= HEADER_V2) {
    const keyId = record.toString("hex", 1, 1 + KEY_ID);
    return { keyId, wrap: record.subarray(1 + KEY_ID, 1 + KEY_ID + WRAP), body: record.subarray(1 + KEY_ID + WRAP) };
  }
  throw new EnvelopeError();
}

/** Unwrapped data keys kept for reuse (reads of the same record skip one AES-GCM); bounded. */
const DEK_CACHE_LIMIT = 10_000;

/** A record's unwrapped data key, with what it was unwrapped from (a hit must match both) and its context as AAD. */
interface CachedDek {
  keyId: string | null;
  wrap: Buffer;
  aad: Buffer;
  dek: Buffer;
}

/**
 * The envelope over a keyring: the current master key seals, and a record opens with the key it names (format 2)
 * or, for a format 1 record, with whichever configured key opens it. Previous keys are only for opening.
 */
export class Envelope {
  readonly #current: Buffer;
  readonly #currentId: Buffer;
  readonly #keys = new Map<string, Buffer>();
  /** By record context: one entry per record, replaced when its data key is re-wrapped. */
  readonly #deks = new Map<string, CachedDek>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error("a master key must be 32 bytes (256 bits)");
      const id = masterKeyId(key);
      if (!this.#keys.has(id)) this.#keys.set(id, Buffer.from(key));
    }
    this.#current = this.#keys.get(masterKeyId(current))!;
    this.#currentId = Buffer.from(masterKeyId(current), "hex");
  }

  /** The current master key's id: every new seal names it. */
  get currentKeyId(): string {
    return this.#currentId.toString("hex");
  }

  seal(plaintext: Buffer, context: string): Buffer {
    const aad = Buffer.from(context, "utf8");
    // One draw from the CSPRNG for the data key and both IVs (each call has a fixed cost on the hot write path).
    const random = randomBytes(DEK + IV + IV);
    const dek = random.subarray(0, DEK);
    const iv = random.subarray(DEK + IV);
    const wrap = this.#wrap(dek, random.subarray(DEK, DEK + IV), aad);
    const sealed = seal(dek, iv, plaintext, aad);
    dek.fill(0);
    return Buffer.concat([Buffer.of(FORMAT_V2), this.#currentId, wrap, iv, sealed.tag, sealed.ciphertext]);
  }

  open(record: Buffer, context: string): Buffer {
    const parsed = parse(record);
    const { dek, aad } = this.#dekOf(parsed, context);
    const body = parsed.body;
    return open(dek, body.subarray(0, IV), body.subarray(IV + TAG), body.subarray(IV, IV + TAG), aad);
  }

  /** Whether the record's data key is wrapped by the current master key (format 2 naming it). */
  isCurrent(record: Buffer): boolean {
    return parse(record).keyId === this.currentKeyId;
  }

  /**
   * The record with its data key re-wrapped under the current master key, the sealed value itself unchanged; null
   * when it already is. Throws EnvelopeError when no configured key opens it, or the context is not its own.
   */
  rewrap(record: Buffer, context: string): Buffer | null {
    const parsed = parse(record);
    if (parsed.keyId === this.currentKeyId) return null;
    const cached = this.#dekOf(parsed, context);
    const dek = Buffer.from(cached.dek);
    const aad = cached.aad;
    // The DEK is authenticated against the value before it is wrapped anew: a wrong DEK would never open again.
    const body = parsed.body;
    open(dek, body.subarray(0, IV), body.subarray(IV + TAG), body.subarray(IV, IV + TAG), aad);
    const wrap = this.#wrap(dek, randomBytes(IV), aad);
    dek.fill(0);
    return Buffer.concat([Buffer.of(FORMAT_V2), this.#currentId, wrap, body]);
  }

  #wrap(dek: Buffer, dekIv: Buffer, aad: Buffer): Buffer {
    const wrapped = seal(this.#current, dekIv, dek, aad);
    return Buffer.concat([dekIv, wrapped.ciphertext, wrapped.tag]);
  }

  #dekOf(parsed: ParsedRecord, context: string): CachedDek {
    // A hit needs the same context, key id and wrapped key (with its IV and tag): any other record misses.
    const cached = this.#deks.get(context);
    if (cached && cached.keyId === parsed.keyId && cached.wrap.equals(parsed.wrap)) return cached;
    const aad = Buffer.from(context, "utf8");
    const entry = { keyId: parsed.keyId, wrap: Buffer.from(parsed.wrap), aad, dek: this.#unwrap(parsed, aad) };
    if (!cached && this.#deks.size >= DEK_CACHE_LIMIT) this.#deks.delete(this.#deks.keys().next().value!);
    this.#deks.set(context, entry);
    return entry;
  }

  #unwrap(parsed: ParsedRecord, aad: Buffer): Buffer {
    const { wrap } = parsed;
    const unwrapWith = (key: Buffer): Buffer => open(key, wrap.subarray(0, IV), wrap.subarray(IV, IV + DEK), wrap.subarray(IV + DEK), aad);
    if (parsed.keyId !== null) {
      const key = this.#keys.get(parsed.keyId);
      if (!key) throw new EnvelopeError();
      return unwrapWith(key);
    }
    // Format 1 names no key: it was sealed under the single key of its day, whichever of the ring that is.
    for (const key of this.#keys.values()) {
      try {
        return unwrapWith(key);
      } catch {
        // not this key; try the next
      }
    }
    throw new EnvelopeError();
  }

  /** A key for one purpose, derived from the current master key (HKDF-SHA256), e.g. for new backup blobs. */
  deriveKey(purpose: string): Buffer {
    return this.derivedKeys(purpose)[0]!;
  }

  /**
   * The key for one purpose derived from every master key in the ring, the current one's first: what was sealed
   * under a key derived from a previous master key (an older backup) still opens while that key is configured.
   */
  derivedKeys(purpose: string): Buffer[] {
    return [...this.#keys.values()].map((key) => Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), `keyhold:${purpose}`, 32)));
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

/** Opens a blob with the first of `keys` that authenticates it (derivedKeys: the current master key's first). */
export function openWithAnyKey(keys: readonly Buffer[], blob: Buffer, aad: string): Buffer {
  for (const key of keys) {
    try {
      return openWithKey(key, blob, aad);
    } catch {
      // sealed under another master key's derivation; try the next
    }
  }
  throw new EnvelopeError();
}
