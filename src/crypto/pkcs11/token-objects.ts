import pkcs11js, { type PKCS11 } from "pkcs11js";
import type { Session } from "./token-sessions.js";

const PREFIX = "pkcs11:";

/** A key's reference in the store: the backend's name and the hex of the CKA_ID its objects share. */
export const referenceOf = (id: Buffer): string => `${PREFIX}${id.toString("hex")}`;

/** The CKA_ID a reference names, or null for one that is not this backend's. */
export function idOfReference(reference: string): Buffer | null {
  if (!reference.startsWith(PREFIX)) return null;
  const hex = reference.slice(PREFIX.length);
  return /^(?:[0-9a-f]{2})+$/.test(hex) ? Buffer.from(hex, "hex") : null;
}

/** The handles of the objects of one class (CKO_PRIVATE_KEY, CKO_PUBLIC_KEY) with this CKA_ID. */
export function findObjects(pkcs11: PKCS11, session: Session, objectClass: number, id: Buffer): Buffer[] {
  pkcs11.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: objectClass },
    { type: pkcs11js.CKA_ID, value: id },
  ]);
  try {
    return pkcs11.C_FindObjects(session, 16);
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

/** Attribute values by type, in the order asked. */
export function readAttributes(pkcs11: PKCS11, session: Session, handle: Buffer, types: number[]): Buffer[] {
  return pkcs11
    .C_GetAttributeValue(
      session,
      handle,
      types.map((type) => ({ type })),
    )
    .map((a) => a.value);
}
