import { randomBytes } from "node:crypto";
import type { Envelope } from "../crypto/envelope.js";
import type { StoreOps } from "../storage/store.js";

const META_KEY = "mfa-key";
const SEAL_CONTEXT = "meta/mfa-key";

/**
 * The AES-256 key that encrypts users' TOTP secrets (the server must read them back, so they cannot be hashed). It
 * is made once, sealed under the master key and kept in the store, so every node reads the same secrets, and a
 * master-key rotation re-wraps it like the issuer's signing key.
 */
export async function loadMfaKey(store: Pick<StoreOps, "getMeta" | "initMeta">, envelope: Envelope): Promise<Buffer> {
  // initMeta keeps whichever key was stored first, should two nodes start at once.
  const sealed = (await store.getMeta(META_KEY)) ?? (await store.initMeta(META_KEY, envelope.seal(randomBytes(32), SEAL_CONTEXT)));
  return envelope.open(sealed, SEAL_CONTEXT);
}
