import pkcs11js, { type PKCS11 } from "pkcs11js";
import { CryptoFailure } from "../aes.js";
import type { KeyFamily } from "../key-types.js";
import { isSessionLoss } from "./pkcs11-errors.js";
import { oaepMechanism } from "./rsa-mechanisms.js";
import { privateKeyTemplate } from "./key-templates.js";
import type { Session } from "./token-sessions.js";

/** PKCS#11's CKM_AES_KEY_WRAP_PAD: AES key wrap with padding (RFC 5649). */
export const CKM_AES_KEY_WRAP_PAD = 0x210a;

/**
 * Unwraps a BYOK blob — RSA-OAEP-SHA1 of an ephemeral AES key under the key-exchange key (the first modulus-length
 * octets), then the target's PKCS#8 private key wrapped under that AES key (RFC 5649) — into a new private key
 * object with the protective attributes. This is CKM_RSA_AES_KEY_WRAP done as its two halves, each inside the
 * token: pkcs11js cannot pass that mechanism's parameters, and SoftHSM2 does not have it. The AES key is a session
 * object, sensitive, usable only to unwrap, and destroyed whatever happens. A wrong KEK or a corrupt blob gives
 * CryptoFailure; a lost session passes through, for the caller's retry.
 */
export async function unwrapTransferBlob(
  pkcs11: PKCS11,
  session: Session,
  kek: { handle: Buffer; modulusBytes: number },
  ciphertext: Buffer,
  target: { family: Exclude<KeyFamily, "oct">; id: Buffer; label: string },
): Promise<Buffer> {
  if (ciphertext.length <= kek.modulusBytes) throw new CryptoFailure();
  let transportKey: Buffer | undefined;
  try {
    transportKey = await pkcs11.C_UnwrapKeyAsync(session, oaepMechanism("sha1"), kek.handle, ciphertext.subarray(0, kek.modulusBytes), [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_TOKEN, value: false },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_UNWRAP, value: true },
    ]);
    return await pkcs11.C_UnwrapKeyAsync(
      session,
      { mechanism: CKM_AES_KEY_WRAP_PAD },
      transportKey,
      ciphertext.subarray(kek.modulusBytes),
      privateKeyTemplate(target.family, target.id, target.label),
    );
  } catch (error) {
    if (isSessionLoss(error)) throw error;
    throw new CryptoFailure();
  } finally {
    if (transportKey) destroyQuietly(pkcs11, session, transportKey);
  }
}

function destroyQuietly(pkcs11: PKCS11, session: Session, handle: Buffer): void {
  try {
    pkcs11.C_DestroyObject(session, handle);
  } catch {
    // A session object: it ends with its session at the latest.
  }
}
