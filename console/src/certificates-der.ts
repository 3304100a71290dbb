/**
 * Reads the subject and subject alternative names out of a certificate's DER, so the detail page shows what the
 * certificate says rather than what its policy asked for (an outside CA may sign other names). Only walks the
 * DER's structure; nothing here verifies anything.
 */

interface Node {
  tag: number;
  start: number;
  end: number;
}

function nodeAt(der: Uint8Array, offset: number): Node {
  const tag = der[offset] ?? 0;
  let length = der[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? 0);
    start += count;
  }
  if (start + length > der.length) throw new Error("The certificate's DER is cut short.");
  return { tag, start, end: start + length };
}

function children(der: Uint8Array, parent: Node): Node[] {
  const nodes: Node[] = [];
  for (let offset = parent.start; offset < parent.end;) {
    const node = nodeAt(der, offset);
    nodes.push(node);
    offset = node.end;
  }
  return nodes;
}

const hex = (der: Uint8Array, node: Node) => [...der.subarray(node.start, node.end)].map((b) => b.toString(16).padStart(2, "0")).join("");
const text = (der: Uint8Array, node: Node) => new TextDecoder().decode(der.subarray(node.start, node.end));

const ATTRIBUTE_NAMES: Record<string, string> = {
  "550403": "CN",
  "550406": "C",
  "550407": "L",
  "550408": "ST",
  "55040a": "O",
  "55040b": "OU",
  "2a864886f70d010901": "E",
  "0992268993f22c640119": "DC",
};

function dottedOid(der: Uint8Array, node: Node): string {
  const bytes = der.subarray(node.start, node.end);
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  return [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40, ...parts].join(".");
}

/** The subject as `CN=…, O=…`, relative names in the order the certificate holds them. */
function nameText(der: Uint8Array, name: Node): string {
  return children(der, name)
    .flatMap((set) => children(der, set))
    .map((attribute) => {
      const [oid, value] = children(der, attribute);
      if (!oid || !value) return "";
      return `${ATTRIBUTE_NAMES[hex(der, oid)] ?? dottedOid(der, oid)}=${text(der, value)}`;
    })
    .join(", ");
}

/** IPv4 dotted; IPv6 as eight groups of hex, unabridged. */
function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join(".");
  const groups: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(":");
}

const SAN_OID = "551d11";

/** DNS names, e-mail addresses, URIs and IP addresses, as `DNS:…`, `email:…`, `URI:…`, `IP:…`. */
function alternativeNames(der: Uint8Array, extensions: Node): string[] {
  for (const extension of children(der, children(der, extensions)[0] ?? extensions)) {
    const parts = children(der, extension);
    if (!parts[0] || hex(der, parts[0]) !== SAN_OID) continue;
    const octets = parts[parts.length - 1]!;
    const names = nodeAt(der, octets.start);
    return children(der, names).flatMap((general) => {
      if (general.tag === 0x82) return [`DNS:${text(der, general)}`];
      if (general.tag === 0x81) return [`email:${text(der, general)}`];
      if (general.tag === 0x86) return [`URI:${text(der, general)}`];
      if (general.tag === 0x87) return [`IP:${ipText(der.subarray(general.start, general.end))}`];
      return [];
    });
  }
  return [];
}

export function certificateNames(der: Uint8Array): { subject: string; alternativeNames: string[] } {
  const certificate = nodeAt(der, 0);
  const tbs = children(der, certificate)[0];
  if (!tbs) throw new Error("Not a certificate.");
  const fields = children(der, tbs);
  const rest = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
  const subject = rest[4];
  const extensions = rest.find((node) => node.tag === 0xa3);
  return {
    subject: subject ? nameText(der, subject) : "",
    alternativeNames: extensions ? alternativeNames(der, extensions) : [],
  };
}
