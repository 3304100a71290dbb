import { createHmac, timingSafeEqual } from "node:crypto";

/** What authenticator apps assume when an otpauth URI says nothing else: 6 digits, 30-second steps, HMAC-SHA-1. */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;

/** HOTP (RFC 4226 §5.3): HMAC-SHA-1 of the 8-byte big-endian counter, dynamically truncated to `digits` digits. */
export function hotp(secret: Buffer, counter: number, digits: number = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const truncated = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(truncated % 10 ** digits).padStart(digits, "0");
}

/** The TOTP time step (RFC 6238 §4.2) an instant falls in: 30-second steps counted from the Unix epoch. */
export function totpStep(epochSeconds: number): number {
  return Math.floor(epochSeconds / TOTP_PERIOD_SECONDS);
}

/** The TOTP code (RFC 6238) for an instant. */
export function totp(secret: Buffer, epochSeconds: number, digits: number = TOTP_DIGITS): string {
  return hotp(secret, totpStep(epochSeconds), digits);
}

/**
 * The time step whose code `code` is, among the current step and one either side (a clock a little off, a code typed
 * as it changed), or null. Every step of the window is compared, each in constant time, so the time taken says
 * nothing about which one matched or how close a wrong code came.
 */
export function matchingTotpStep(secret: Buffer, code: string, epochSeconds: number): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const presented = Buffer.from(code, "ascii");
  const current = totpStep(epochSeconds);
  let matched: number | null = null;
  for (const step of [current - 1, current, current + 1]) {
    const same = timingSafeEqual(Buffer.from(hotp(secret, step), "ascii"), presented);
    if (same && matched === null) matched = step;
  }
  return matched;
}
