import { type KeyObject, createPublicKey } from "node:crypto";

/** A subject public key as its SubjectPublicKeyInfo DER; a private KeyObject gives its public half. */
export function spkiDer(key: KeyObject | Buffer): Buffer {
  if (Buffer.isBuffer(key)) return createPublicKey({ key, format: "der", type: "spki" }).export({ format: "der", type: "spki" });
  return (key.type === "public" ? key : createPublicKey(key)).export({ format: "der", type: "spki" });
}

/** Whether two public keys are the same key, compared as canonical SPKI DER. */
export function samePublicKey(a: KeyObject | Buffer, b: KeyObject | Buffer): boolean {
  return spkiDer(a).equals(spkiDer(b));
}
