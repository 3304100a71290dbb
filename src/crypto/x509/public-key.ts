import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";

export function parseSpki(der: Buffer): SubjectPublicKeyInfo {
  return AsnConvert.parse(der, SubjectPublicKeyInfo);
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits; what OpenSSL and Key Vault put in SKI/AKI. */
export function keyIdentifier(spki: Buffer): Buffer {
  return createHash("sha1")
    .update(Buffer.from(parseSpki(spki).subjectPublicKey))
    .digest();
}
