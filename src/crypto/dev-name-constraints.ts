import { X509Certificate } from "node:crypto";
import { isIPv4 } from "node:net";

/**
 * The X.509 Name Constraints (RFC 5280 §4.2.1.10) of the dev CA. dev.env makes clients trust that CA
 * (NODE_EXTRA_CA_CERTS, and SSL_CERT_FILE / REQUESTS_CA_BUNDLE for OpenSSL and Python), so without constraints
 * anyone who reads ca-key.pem could mint a certificate those clients accept for any host, such as
 * login.microsoftonline.com. With them, verifiers (OpenSSL, Go, browsers) accept only the names dev mode serves.
 *
 * This module has no dependency on the X.509 library, so that every `keyhold dev` start can check its CA
 * without loading it (see dev-home.ts).
 */

/**
 * A dNSName constraint covers the name and every name below it: "localhost" covers `localhost` and
 * `*.vault.localhost`, "vault.azure.net" covers `*.vault.azure.net`, the server certificate's SANs.
 */
export const DEV_CA_PERMITTED_DNS: readonly string[] = ["localhost", "vault.azure.net"];
/** Loopback only: the server certificate's 127.0.0.1 and ::1. */
export const DEV_CA_PERMITTED_IP: readonly { address: string; prefix: number }[] = [
  { address: "127.0.0.0", prefix: 8 },
  { address: "::1", prefix: 128 },
];

export const NAME_CONSTRAINTS_OID = "2.5.29.30";
const NAME_CONSTRAINTS_OID_DER = Buffer.from([0x55, 0x1d, 0x1e]);

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

function ipBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split(".").map(Number));
  // Enough for the loopback forms used here ("::1"): expand "::" into zero groups.
  const [head, tail = ""] = address.split("::");
  const groups = (s: string) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = groups(head!);
  const t = groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return Buffer.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

function mask(bytes: number, prefix: number): Buffer {
  return Buffer.from(Array.from({ length: bytes }, (_, i) => (0xff << (8 - Math.max(0, Math.min(8, prefix - 8 * i)))) & 0xff));
}

/** The DER value of the dev CA's Name Constraints extension: permitted subtrees only, no excluded ones. */
export function devCaNameConstraints(): Buffer {
  const subtree = (generalName: Buffer) => der(0x30, generalName); // GeneralSubtree, minimum 0, no maximum
  const dns = DEV_CA_PERMITTED_DNS.map((name) => subtree(der(0x82, Buffer.from(name, "ascii")))); // [2] dNSName
  const ips = DEV_CA_PERMITTED_IP.map(({ address, prefix }) => {
    const bytes = ipBytes(address);
    return subtree(der(0x87, Buffer.concat([bytes, mask(bytes.length, prefix)]))); // [7] iPAddress: address ‖ mask
  });
  return der(0x30, der(0xa0, Buffer.concat([...dns, ...ips]))); // NameConstraints { permittedSubtrees [0] }
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** One DER element at offset `at` of `buf`: its tag and the bounds of its content. */
function readTlv(buf: Buffer, at: number): Tlv {
  const tag = buf[at]!;
  let length = buf[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("unsupported DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i]!;
    start += count;
  }
  if (start + length > buf.length) throw new Error("truncated DER");
  return { tag, start, end: start + length };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const tlv = readTlv(buf, at);
    out.push(tlv);
    at = tlv.end;
  }
  return out;
}

/** A certificate's Name Constraints extension (its criticality and DER value), or null when it has none. */
export function readNameConstraints(certPem: string): { critical: boolean; value: Buffer } | null {
  const raw = new X509Certificate(certPem).raw;
  const tbs = children(raw, readTlv(raw, 0))[0]!;
  const extensionsField = children(raw, tbs).find((t) => t.tag === 0xa3); // [3] EXPLICIT Extensions
  if (!extensionsField) return null;
  const extensions = children(raw, children(raw, extensionsField)[0]!);
  for (const extension of extensions) {
    const [oid, second, third] = children(raw, extension);
    if (!oid || oid.tag !== 0x06 || !raw.subarray(oid.start, oid.end).equals(NAME_CONSTRAINTS_OID_DER)) continue;
    const critical = second?.tag === 0x01 && raw[second.start] !== 0x00;
    const value = second?.tag === 0x04 ? second : third;
    return value?.tag === 0x04 ? { critical, value: Buffer.from(raw.subarray(value.start, value.end)) } : null;
  }
  return null;
}

/** Whether a dev CA certificate carries exactly this version's constraints, marked critical. */
export function hasDevCaNameConstraints(certPem: string): boolean {
  try {
    const constraints = readNameConstraints(certPem);
    return constraints !== null && constraints.critical && constraints.value.equals(devCaNameConstraints());
  } catch {
    return false;
  }
}
