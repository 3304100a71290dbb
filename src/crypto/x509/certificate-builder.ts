import { type KeyObject, randomBytes } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, Extensions, type Name, TBSCertificate, Validity, Version } from "@peculiar/asn1-x509";
import { badParameter } from "../../errors/key-vault-error.js";
import { parseDistinguishedName, type SubjectInput } from "./distinguished-name.js";
import {
  authorityKeyIdentifier,
  basicConstraints,
  type EncodedExtension,
  encodedExtension,
  requestedExtensions,
  subjectKeyIdentifier,
  type RequestedExtensions,
} from "./extensions.js";
import { keyIdentifier, parseSpki } from "./public-key.js";
import { spkiDer } from "./spki.js";
import { signatureAlgorithmIdentifier } from "./signature-algorithm.js";
import { signatureValue, type CertificateSigner } from "./signer.js";

/** Who signs: the subject itself, or a CA named by its subject and key identifier. */
export type CertificateIssuer = { self: true } | { name: Name; keyId: Buffer };

export interface CertificateRequestOptions extends RequestedExtensions {
  /** "CN=example.com, O=Org", or relative names already parsed. */
  subject: SubjectInput;
  /** The subject's public key: SPKI DER, or a KeyObject (a private one gives its public half). */
  publicKey: KeyObject | Buffer;
}

export interface CertificateOptions extends CertificateRequestOptions {
  notBefore: Date;
  notAfter: Date;
  issuer: CertificateIssuer;
  /** Whether the subject is a CA (basicConstraints cA); its key usage is still only what `keyUsage` lists. */
  ca?: boolean;
  /** A CA's pathLenConstraint. */
  pathLength?: number;
  /** Extensions this builder has no option for, already encoded (the dev CA's name constraints), after the others. */
  encodedExtensions?: readonly EncodedExtension[];
}

/**
 * RFC 5280 §4.1.2.2: a positive integer of at most 20 octets, unpredictable (CA/B Forum: at least 64 random bits).
 * 16 random bytes, the first with its top bit cleared (no sign octet) and its lowest set (no leading zero), so the
 * DER INTEGER is always 16 octets.
 */
function randomSerialNumber(): ArrayBuffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return new Uint8Array(serial).buffer;
}

/** The issuer of a certificate: its subject, and its subjectKeyIdentifier for our authorityKeyIdentifier. */
export function issuerOf(caCertificateDer: Buffer): CertificateIssuer {
  const ca = AsnConvert.parse(caCertificateDer, Certificate);
  const spki = Buffer.from(AsnConvert.serialize(ca.tbsCertificate.subjectPublicKeyInfo));
  return { name: ca.tbsCertificate.subject, keyId: keyIdentifier(spki) };
}

/**
 * Builds an X.509 v3 certificate (RFC 5280) and has `signer` sign it: the issuer's private key is never needed
 * here. Returns the certificate's DER.
 */
export async function buildCertificate(options: CertificateOptions, signer: CertificateSigner): Promise<Buffer> {
  if (!(options.notBefore.getTime() < options.notAfter.getTime())) throw badParameter("The validity period is empty.");
  const spki = spkiDer(options.publicKey);
  const subject = parseDistinguishedName(options.subject);
  const subjectKeyId = keyIdentifier(spki);
  const issuer = "self" in options.issuer ? { name: subject, keyId: subjectKeyId } : options.issuer;
  const signature = signatureAlgorithmIdentifier(signer.algorithm);

  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: randomSerialNumber(),
    signature,
    issuer: issuer.name,
    // Validity's Time picks UTCTime through 2049 and GeneralizedTime after, as RFC 5280 §4.1.2.5 requires.
    validity: new Validity({ notBefore: options.notBefore, notAfter: options.notAfter }),
    subject,
    subjectPublicKeyInfo: parseSpki(spki),
    extensions: new Extensions([
      basicConstraints(options.ca ?? false, options.pathLength),
      ...requestedExtensions(options),
      subjectKeyIdentifier(subjectKeyId),
      authorityKeyIdentifier(issuer.keyId),
      ...(options.encodedExtensions ?? []).map(encodedExtension),
    ]),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbsCertificate));
  const signatureBytes = await signatureValue(signer, tbsDer);
  const certificate = new Certificate({
    tbsCertificate,
    signatureAlgorithm: signature,
    signatureValue: new Uint8Array(signatureBytes).buffer,
  });
  return Buffer.from(AsnConvert.serialize(certificate));
}
