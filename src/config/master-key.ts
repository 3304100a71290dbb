import { ConfigError } from "./config-error.js";

/** The master key from its base64 text: 32 random bytes, never a placeholder. */
export function parseMasterKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32)
    throw new ConfigError("the master key must be 32 random bytes, base64 encoded (make one with `openssl rand -base64 32`)");
  // A key of one repeated byte (all zeros, say) is a placeholder, not a random key.
  if (key.every((byte) => byte === key[0]))
    throw new ConfigError("the master key is one byte repeated, not 32 random bytes (make one with `openssl rand -base64 32`)");
  return key;
}
