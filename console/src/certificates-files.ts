/** Certificate files in the browser: base64 and bytes, PEM blocks, and a thumbprint as people read it. */

export function bytesOfBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/\s+/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function base64OfBytes(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Base64 DER as a PEM block of the given label (`CERTIFICATE`, `CERTIFICATE REQUEST`). */
export function pemOf(label: string, base64Der: string): string {
  const lines = base64Der.replace(/\s+/g, "").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** The base64 DER of each certificate in PEM text, in the order written: what a merge's `x5c` takes. */
export function certificatesInPem(text: string): string[] {
  const blocks = text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g);
  return [...blocks].map((block) => (block[1] ?? "").replace(/\s+/g, ""));
}

/** Key Vault's `x5t` (base64url SHA-1) as the colon-less upper-case hex that certificate tools show. */
export function thumbprintHex(x5t: string): string {
  const base64 = x5t.replace(/-/g, "+").replace(/_/g, "/");
  return [...bytesOfBase64(base64 + "=".repeat((4 - (base64.length % 4)) % 4))]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}
