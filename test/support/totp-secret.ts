const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Base32 (RFC 4648 §6, padding optional) back to bytes: what an authenticator app does with an otpauth secret. */
export function fromBase32(text: string): Buffer {
  const bytes: number[] = [];
  let value = 0;
  let bits = 0;
  for (const char of text.replace(/=+$/, "")) {
    const digit = ALPHABET.indexOf(char.toUpperCase());
    if (digit < 0) throw new Error(`not base32: ${char}`);
    value = ((value << 5) | digit) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The TOTP secret an otpauth URI carries, as the app reads it. */
export function secretOfUri(uri: string): Buffer {
  return fromBase32(new URL(uri).searchParams.get("secret")!);
}
