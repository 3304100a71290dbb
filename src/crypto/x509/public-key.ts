import { type KeyObject, createHash, createPublicKey } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";

/** A subject public key as its SubjectPublicKeyInfo DER; a private KeyObject gives its public half. */
export function spkiDer(key: KeyObject | Buffer): Buffer {
  if (Buffer.isBuffer(key)) return createPublicKey({ key, format: "der", type: "spki" }).export({ format: "der", type: "spki" });
  return (key.type === "public" ? key : createPublicKey(key)).export({ format: "der", type: "spki" });
}

export function parseSpki(der: Buffer): SubjectPublicKeyInfo {
  return AsnConvert.parse(der, SubjectPublicKeyInfo);
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits; what OpenSSL and Key Vault put in SKI/AKI. */
export function keyIdentifier(spki: Buffer): Buffer {
  return createHash("sha1")
    .update(Buffer.from(parseSpki(spki).subjectPublicKey))
    .digest();
}

/** Whether two public keys are the same key, compared as canonical SPKI DER. */
export function samePublicKey(a: KeyObject | Buffer, b: KeyObject | Buffer): boolean {
  return spkiDer(a).equals(spkiDer(b));
}
