import { badParameter } from "../../errors/key-vault-error.js";

/**
 * A certificate subject as policies write it: an X.500 distinguished name in the string form Windows and
 * Azure accept (`CN=www.example.com, O=Contoso`, `cn=MyCert`): attribute names case-insensitive, relative
 * names separated by `,` or `;`, multi-valued ones joined by `+`, values quoted (`"a, b"`) or escaped (`\,`,
 * `\2C`), and dotted OIDs (`1.2.3.4=x`, `OID.1.2.3.4=x`) for attributes without a short name.
 */
export interface NameAttribute {
  /** The attribute type's OID, as a certificate encodes it. */
  oid: string;
  value: string;
}

/** One relative distinguished name: usually one attribute, several when joined with `+`. */
export type RelativeName = NameAttribute[];

// A Map: looked up by what the client sent, an object literal would also answer for `constructor` or `toString`.
const ATTRIBUTE_OIDS: ReadonlyMap<string, string> = new Map([
  ["CN", "2.5.4.3"],
  ["SN", "2.5.4.4"],
  ["SERIALNUMBER", "2.5.4.5"],
  ["C", "2.5.4.6"],
  ["L", "2.5.4.7"],
  ["S", "2.5.4.8"],
  ["ST", "2.5.4.8"],
  ["STREET", "2.5.4.9"],
  ["O", "2.5.4.10"],
  ["OU", "2.5.4.11"],
  ["T", "2.5.4.12"],
  ["TITLE", "2.5.4.12"],
  ["POSTALCODE", "2.5.4.17"],
  ["G", "2.5.4.42"],
  ["GN", "2.5.4.42"],
  ["GIVENNAME", "2.5.4.42"],
  ["I", "2.5.4.43"],
  ["INITIALS", "2.5.4.43"],
  ["DC", "0.9.2342.19200300.100.1.25"],
  ["UID", "0.9.2342.19200300.100.1.1"],
  ["E", "1.2.840.113549.1.9.1"],
  ["EMAIL", "1.2.840.113549.1.9.1"],
  ["EMAILADDRESS", "1.2.840.113549.1.9.1"],
]);

const DOTTED_OID = /^(?:OID\.)?([0-2](?:\.(?:0|[1-9]\d*))+)$/i;

/** Longer subjects are refused before parsing; no real certificate subject comes near it. */
const MAX_SUBJECT_LENGTH = 4096;

function invalid(subject: string, why: string): never {
  throw badParameter(`The subject '${subject}' is not a valid X.500 distinguished name: ${why}.`);
}

function attributeOid(subject: string, type: string): string {
  const name = type.trim();
  const oid = ATTRIBUTE_OIDS.get(name.toUpperCase()) ?? DOTTED_OID.exec(name)?.[1];
  if (!oid) invalid(subject, name === "" ? "an attribute has no name" : `'${name}' is not a known attribute name or OID`);
  return oid;
}

/** Splits at unescaped, unquoted separators, keeping escapes and quotes for the value parser. */
function split(subject: string, text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") {
      if (i + 1 >= text.length) invalid(subject, "it ends with an escape character");
      current += c + text[++i]!;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (!quoted && separators.includes(c)) {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  if (quoted) invalid(subject, "a quoted value is not closed");
  parts.push(current);
  return parts;
}

/** A value without its quotes and escapes (`\,`, `\"`, and hex pairs such as `\2C`). */
function unescape(subject: string, raw: string): string {
  let text = raw.trim();
  if (text.startsWith('"')) {
    if (text.length < 2 || !text.endsWith('"')) invalid(subject, "a quoted value has text after its closing quote");
    text = text.slice(1, -1).replaceAll('""', '"');
  }
  return text.replace(/\\([0-9A-Fa-f]{2}|.)/g, (_, escaped: string) =>
    escaped.length === 2 ? String.fromCharCode(parseInt(escaped, 16)) : escaped,
  );
}

/** Parses a subject into its relative names (in the order written), or fails with BadParameter saying why. */
export function parseX500Name(subject: string): RelativeName[] {
  if (subject.length > MAX_SUBJECT_LENGTH) throw badParameter(`The subject must be at most ${MAX_SUBJECT_LENGTH} characters.`);
  if (subject.trim() === "") invalid(subject, "it is empty");
  return split(subject, subject, ",;").map((rdn) => {
    if (rdn.trim() === "") invalid(subject, "it has an empty relative name");
    return split(subject, rdn, "+").map((attribute) => {
      const equals = attribute.indexOf("=");
      if (equals < 0) invalid(subject, `'${attribute.trim()}' is not of the form NAME=VALUE`);
      const oid = attributeOid(subject, attribute.slice(0, equals));
      const value = unescape(subject, attribute.slice(equals + 1));
      if (value === "") invalid(subject, `the value of '${attribute.slice(0, equals).trim()}' is empty`);
      return { oid, value };
    });
  });
}
