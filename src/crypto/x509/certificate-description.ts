import type { X509Certificate } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
} from "@peculiar/asn1-x509";
import { Utf8String, fromBER } from "asn1js";
import { UPN_OID } from "./extensions.js";
import { KEY_USAGE_NAMES, type KeyUsageName } from "./key-usage-names.js";

/** What a certificate says about its subject, in the terms of a Key Vault policy's x509_props. */
export interface CertificateDescription {
  /** Relative names in the order the certificate holds them, as `CN=…, O=…`. */
  subject: string;
  sans: { dnsNames: string[]; emails: string[]; upns: string[]; uris: string[]; ipAddresses: string[] };
  keyUsage: KeyUsageName[];
  ekus: string[];
  /** Epoch seconds. */
  notBefore: number;
  notAfter: number;
}

function upnOf(value: ArrayBuffer): string | null {
  const decoded = fromBER(value);
  return decoded.offset !== -1 && decoded.result instanceof Utf8String ? decoded.result.valueBlock.value : null;
}

/** Reads the subject, SANs, key usage, EKUs and validity of a certificate (what an imported certificate's policy is made of). */
export function describeCertificate(certificate: X509Certificate): CertificateDescription {
  const parsed = AsnConvert.parse(certificate.raw, Certificate);
  const extensions = parsed.tbsCertificate.extensions ?? [];
  const value = (oid: string) => extensions.find((extension) => extension.extnID === oid)?.extnValue.buffer;
  const sans: CertificateDescription["sans"] = { dnsNames: [], emails: [], upns: [], uris: [], ipAddresses: [] };
  const sanValue = value(id_ce_subjectAltName);
  for (const name of sanValue ? AsnConvert.parse(sanValue, SubjectAlternativeName) : []) {
    if (name.dNSName !== undefined) sans.dnsNames.push(name.dNSName);
    else if (name.rfc822Name !== undefined) sans.emails.push(name.rfc822Name);
    else if (name.uniformResourceIdentifier !== undefined) sans.uris.push(name.uniformResourceIdentifier);
    else if (name.iPAddress !== undefined) sans.ipAddresses.push(name.iPAddress);
    else if (name.otherName?.typeId === UPN_OID) {
      const upn = upnOf(name.otherName.value);
      if (upn !== null) sans.upns.push(upn);
    }
  }
  const usageValue = value(id_ce_keyUsage);
  const usageFlags = usageValue ? AsnConvert.parse(usageValue, KeyUsage).toNumber() : 0;
  const ekuValue = value(id_ce_extKeyUsage);
  return {
    subject: certificate.subject.split("\n").join(", "),
    sans,
    keyUsage: KEY_USAGE_NAMES.filter((usage) => (usageFlags & KeyUsageFlags[usage]) !== 0),
    ekus: ekuValue ? [...AsnConvert.parse(ekuValue, ExtendedKeyUsage)] : [],
    notBefore: Math.floor(Date.parse(certificate.validFrom) / 1000),
    notAfter: Math.floor(Date.parse(certificate.validTo) / 1000),
  };
}
