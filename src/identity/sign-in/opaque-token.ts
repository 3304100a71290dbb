import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Bearer strings of the sign-in flows (session cookies, authorization and device codes, refresh tokens): 256 random
 * bits, base64url. The store keeps only their SHA-256, which is enough for values nobody can guess (a slow hash
 * protects low-entropy secrets, such as passwords, not these).
 */
export function newOpaqueToken(): string {
  return randomBytes(32).toString("base64url");
}

export function tokenDigest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/** Whether the token's digest is `digest`, compared in constant time. */
export function digestMatches(token: string, digest: string): boolean {
  const presented = Buffer.from(tokenDigest(token));
  const kept = Buffer.from(digest);
  return presented.length === kept.length && timingSafeEqual(presented, kept);
}
