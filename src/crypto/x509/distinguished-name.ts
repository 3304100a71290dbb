import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { badParameter } from "../../errors/key-vault-error.js";
import { type NameAttribute, parseX500Name } from "./x500-name.js";

/** A subject: a string as policies write it (x500-name.ts), or relative names already parsed. */
export type SubjectInput = string | readonly (readonly NameAttribute[])[];

/** Attributes RFC 5280 and PKCS #9 type as IA5String (e-mail address, domain component); C is PrintableString. */
const IA5_ATTRIBUTES = new Set(["1.2.840.113549.1.9.1", "0.9.2342.19200300.100.1.25"]);
const COUNTRY = "2.5.4.6";
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** RFC 5280 §4.1.2.4: PrintableString where it can hold the value, UTF8String otherwise. */
function attributeValue(oid: string, value: string): AttributeValue {
  if (IA5_ATTRIBUTES.has(oid)) return new AttributeValue({ ia5String: value });
  if (oid === COUNTRY || PRINTABLE.test(value)) return new AttributeValue({ printableString: value });
  return new AttributeValue({ utf8String: value });
}

/**
 * A subject or issuer name. Relative names are encoded in the order written, as `openssl -subj`, node:crypto's
 * `X509Certificate.subject` and @peculiar/x509 read them (so "CN=example.com, O=Org" puts CN first).
 */
export function parseDistinguishedName(subject: SubjectInput): Name {
  const relatives = typeof subject === "string" ? parseX500Name(subject) : subject;
  const name = new Name(
    relatives.map(
      (relative) =>
        new RelativeDistinguishedName(
          relative.map(({ oid, value }) => new AttributeTypeAndValue({ type: oid, value: attributeValue(oid, value) })),
        ),
    ),
  );
  if (name.length === 0 || name.some((relative) => relative.length === 0)) throw badParameter("The subject name is empty.");
  return name;
}
