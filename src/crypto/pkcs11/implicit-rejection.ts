import { randomBytes } from "node:crypto";
import pkcs11js, { type PKCS11 } from "pkcs11js";
import { rsaPkcs1DecodeImplicit } from "../openssl-native.js";
import { isHandleInvalid } from "./pkcs11-errors.js";
import { readAttributes } from "./token-objects.js";
import type { Session, TokenSessions } from "./token-sessions.js";

/**
 * RSA1_5 (RSAES-PKCS1-v1_5) decryption of token keys with implicit rejection (draft-irtf-cfrg-rsa-guidance §7,
 * docs/hsm.md): a wrong padding yields a deterministic pseudo-random message instead of an error, as in the software
 * backend, so that the API is no padding oracle. A token's CKM_RSA_PKCS fails on a wrong padding, so it is not used:
 * the token does the raw RSA operation (CKM_RSA_X_509), and the key derivation key (KDK) that picks the synthetic
 * message is an HMAC-SHA256 computed in the token, under a secret the token keeps for this alone, over the key's
 * CKA_ID and the ciphertext. The draft keys that HMAC with SHA-256 of the private exponent, which never leaves the
 * token; the token's secret takes its place. The decoding itself is the binding's, the same code as the software
 * backend's.
 */

/** The label of the token's one implicit-rejection secret: every Keyhold sharing the token finds it by this. */
export const IMPLICIT_REJECTION_LABEL = "keyhold/rsa1_5-implicit-rejection";

const SECRET_BYTES = 32;

/** What the token must offer for this path, by name for the start-up log and the 400 that refuses RSA1_5 without it. */
const REQUIRED_MECHANISMS: Array<[string, number]> = [
  ["CKM_RSA_X_509", pkcs11js.CKM_RSA_X_509],
  ["CKM_SHA256_HMAC", pkcs11js.CKM_SHA256_HMAC],
  ["CKM_GENERIC_SECRET_KEY_GEN", pkcs11js.CKM_GENERIC_SECRET_KEY_GEN],
];

/** The mechanisms of this path that a token's mechanism list lacks (none: the path works). */
export function missingImplicitRejectionMechanisms(listed: Set<number>): string[] {
  return REQUIRED_MECHANISMS.filter(([, mechanism]) => !listed.has(mechanism)).map(([name]) => name);
}

/**
 * The token's implicit-rejection secret: a generic secret of 32 bytes, generated in the token (private, sensitive,
 * never extractable, usable only to sign, i.e. to HMAC), made when first needed and found by its label afterwards.
 * Keyhold processes that open the same token at the same time may each make one; each then keeps the one with the
 * lowest CKA_ID and destroys the others, so that they all end with the same one (a process still holding a handle of a
 * destroyed one finds the survivor on its next use).
 */
export class ImplicitRejectionSecret {
  #cached: { generation: number; handle: Buffer } | null = null;

  constructor(private readonly sessions: TokenSessions) {}

  /** Finds the secret, making it if the token has none; throws what the token says if it cannot. */
  settle(session: Session): Buffer {
    let found = this.#find(session);
    if (found.length === 0) {
      // Under a lost login the secret is invisible: making another would change every synthetic message.
      this.sessions.assertLoggedIn(session);
      this.#generate(session);
      found = this.#find(session);
    }
    found.sort((a, b) => Buffer.compare(a.id, b.id) || Buffer.compare(a.handle, b.handle));
    const [chosen, ...others] = found;
    if (!chosen) throw new Error("the token does not show the implicit-rejection secret just made");
    for (const { handle } of others) this.#destroyQuietly(session, handle);
    this.#cached = { generation: this.sessions.generation, handle: chosen.handle };
    return chosen.handle;
  }

  /** KDK = HMAC-SHA256 in the token, keyed with the secret, over I2OSP(len(id), 2) ‖ id ‖ the k-byte ciphertext. */
  async derive(session: Session, keyId: Buffer, ciphertext: Buffer): Promise<Buffer> {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(keyId.length);
    const data = Buffer.concat([length, keyId, ciphertext]);
    try {
      return await this.#hmac(session, this.#handle(session), data);
    } catch (error) {
      if (!isHandleInvalid(error)) throw error;
      this.#cached = null;
      return this.#hmac(session, this.settle(session), data);
    }
  }

  #handle(session: Session): Buffer {
    const cached = this.#cached;
    if (cached && cached.generation === this.sessions.generation) return cached.handle;
    return this.settle(session);
  }

  async #hmac(session: Session, handle: Buffer, data: Buffer): Promise<Buffer> {
    this.#pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, handle);
    const mac = await this.#pkcs11.C_SignAsync(session, data, Buffer.alloc(32));
    if (mac.length !== 32) throw new Error("the token's HMAC-SHA256 has an unexpected length");
    return mac;
  }

  #find(session: Session): Array<{ handle: Buffer; id: Buffer }> {
    this.#pkcs11.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_LABEL, value: IMPLICIT_REJECTION_LABEL },
    ]);
    let handles: Buffer[];
    try {
      handles = this.#pkcs11.C_FindObjects(session, 64);
    } finally {
      this.#pkcs11.C_FindObjectsFinal(session);
    }
    return handles.map((handle) => ({ handle, id: readAttributes(this.#pkcs11, session, handle, [pkcs11js.CKA_ID])[0]! }));
  }

  #generate(session: Session): void {
    this.#pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_VALUE_LEN, value: SECRET_BYTES },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_VERIFY, value: false },
      { type: pkcs11js.CKA_ENCRYPT, value: false },
      { type: pkcs11js.CKA_DECRYPT, value: false },
      { type: pkcs11js.CKA_WRAP, value: false },
      { type: pkcs11js.CKA_UNWRAP, value: false },
      { type: pkcs11js.CKA_DERIVE, value: false },
      { type: pkcs11js.CKA_ID, value: randomBytes(16) },
      { type: pkcs11js.CKA_LABEL, value: IMPLICIT_REJECTION_LABEL },
    ]);
  }

  #destroyQuietly(session: Session, handle: Buffer): void {
    try {
      this.#pkcs11.C_DestroyObject(session, handle);
    } catch {
      // Another process may have destroyed this duplicate first.
    }
  }

  get #pkcs11(): PKCS11 {
    return this.sessions.pkcs11;
  }
}

/**
 * RSA1_5 decryption of a token key, never failing on a wrong padding: the raw RSA decryption in the token, the KDK
 * from the token's secret, then the binding's constant-time decoding. The ciphertext must be at most k bytes (a shorter
 * one is left-padded with zeros, as the software backend does); anything the token refuses (a ciphertext not below
 * the modulus) throws, as it does there.
 */
export async function decryptRsa1_5(
  pkcs11: PKCS11,
  session: Session,
  key: { handle: Buffer; id: Buffer; modulusBytes: number },
  secret: ImplicitRejectionSecret,
  ciphertext: Buffer,
): Promise<Buffer> {
  const k = key.modulusBytes;
  if (ciphertext.length === 0 || ciphertext.length > k) throw new Error("the ciphertext is not of the modulus's length");
  const c = Buffer.concat([Buffer.alloc(k - ciphertext.length), ciphertext]);
  pkcs11.C_DecryptInit(session, { mechanism: pkcs11js.CKM_RSA_X_509 }, key.handle);
  const encoded = await pkcs11.C_DecryptAsync(session, c, Buffer.alloc(k));
  const kdk = await secret.derive(session, key.id, c);
  try {
    return rsaPkcs1DecodeImplicit(encoded, kdk, k);
  } finally {
    kdk.fill(0);
    encoded.fill(0);
  }
}
