import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  OtherName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { Utf8String } from "asn1js";
import { badParameter } from "../../errors/key-vault-error.js";
import { KEY_USAGE_NAMES, type KeyUsageName } from "./key-usage-names.js";

/** Key Vault's x509_props.sans: DNS names, e-mail addresses (rfc822Name), user principal names, URIs and IP addresses. */
export interface SubjectAlternativeNames {
  dnsNames?: readonly string[];
  emails?: readonly string[];
  upns?: readonly string[];
  uris?: readonly string[];
  ipAddresses?: readonly string[];
}

/** The extensions a certificate request asks for; a certificate issued for it carries them too. */
export interface RequestedExtensions {
  subjectAlternativeNames?: SubjectAlternativeNames;
  keyUsage?: readonly KeyUsageName[];
  /** Extended key usages as dotted OIDs, e.g. 1.3.6.1.5.5.7.3.1 (serverAuth). */
  extendedKeyUsage?: readonly string[];
}

/** Microsoft's user principal name, an otherName of a UTF8String (MS-WCCE §2.2.2.7.7.4). */
export const UPN_OID = "1.3.6.1.4.1.311.20.2.3";

const DOTTED_OID = /^[0-2](\.(0|[1-9]\d*))+$/;

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function subjectAlternativeName(sans: SubjectAlternativeNames): Extension | undefined {
  const names = [
    ...(sans.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })),
    ...(sans.emails ?? []).map((rfc822Name) => new GeneralName({ rfc822Name })),
    ...(sans.upns ?? []).map(
      (upn) => new GeneralName({ otherName: new OtherName({ typeId: UPN_OID, value: new Utf8String({ value: upn }).toBER() }) }),
    ),
    ...(sans.uris ?? []).map((uniformResourceIdentifier) => new GeneralName({ uniformResourceIdentifier })),
    ...(sans.ipAddresses ?? []).map((iPAddress) => new GeneralName({ iPAddress })),
  ];
  return names.length === 0 ? undefined : extension(id_ce_subjectAltName, false, new SubjectAlternativeName(names));
}

/** RFC 5280 §4.2.1.3: conforming CAs SHOULD mark key usage critical. */
function keyUsage(usages: readonly KeyUsageName[]): Extension | undefined {
  if (usages.length === 0) return undefined;
  let flags = 0;
  for (const usage of usages) {
    if (!KEY_USAGE_NAMES.includes(usage)) throw badParameter(`Unknown key usage: ${String(usage)}.`);
    flags |= KeyUsageFlags[usage];
  }
  return extension(id_ce_keyUsage, true, new KeyUsage(flags));
}

function extendedKeyUsage(oids: readonly string[]): Extension | undefined {
  if (oids.length === 0) return undefined;
  for (const oid of oids) if (!DOTTED_OID.test(oid)) throw badParameter(`Extended key usage is not an OID: ${oid}.`);
  return extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([...oids]));
}

/** The subject alternative names, key usage and extended key usage requested, in that order; absent ones left out. */
export function requestedExtensions(request: RequestedExtensions): Extension[] {
  return [
    subjectAlternativeName(request.subjectAlternativeNames ?? {}),
    keyUsage(request.keyUsage ?? []),
    extendedKeyUsage(request.extendedKeyUsage ?? []),
  ].filter((ext): ext is Extension => ext !== undefined);
}

/** RFC 5280 §4.2.1.9: critical in CA certificates; an end entity's says cA false (as Key Vault's do). */
export function basicConstraints(ca: boolean, pathLength?: number): Extension {
  return extension(id_ce_basicConstraints, true, new BasicConstraints(ca ? { cA: true, pathLenConstraint: pathLength } : {}));
}

export function subjectKeyIdentifier(keyId: Buffer): Extension {
  return extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId));
}

/** An extension by its OID, criticality and extnValue contents as DER, for one the options above do not cover. */
export interface EncodedExtension {
  oid: string;
  critical: boolean;
  der: Buffer;
}

export function encodedExtension({ oid, critical, der }: EncodedExtension): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(new Uint8Array(der)) });
}

export function authorityKeyIdentifier(keyId: Buffer): Extension {
  return extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) }));
}
