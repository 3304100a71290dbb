import { randomBytes, randomUUID } from "node:crypto";

/** The largest N of `${random:N}`. */
const RANDOM_MAX_BYTES = 1024;

/**
 * A seed string with its placeholders filled in: `${random:N}` is N random bytes (1–1024) as unpadded base64url,
 * ⌈4N/3⌉ characters of A–Z a–z 0–9 - _ (N=16 → 22, N=24 → 32, N=32 → 43); `${uuid}` a random UUID; `${env:NAME}`
 * that environment variable, which must be set. Throws an Error saying what is wrong (never the string itself).
 */
export function fillPlaceholders(text: string): string {
  return text.replace(/\$\{([^}]*)\}/g, (_match, placeholder: string) => {
    const [kind, arg] = placeholder.split(":", 2);
    if (kind === "uuid" && arg === undefined) return randomUUID();
    if (kind === "random" && arg && /^\d+$/.test(arg) && Number(arg) >= 1 && Number(arg) <= RANDOM_MAX_BYTES)
      return randomBytes(Number(arg)).toString("base64url");
    if (kind === "env" && arg) {
      const env = process.env[arg];
      if (env === undefined) throw new Error(`\${env:${arg}} is not set`);
      return env;
    }
    throw new Error(
      `unknown placeholder \${${placeholder}} (use \${random:N} with N from 1 to ${RANDOM_MAX_BYTES}, \${uuid} or \${env:NAME})`,
    );
  });
}

/** Every string in a seed definition (a REST body), filled in. */
export function fillAllPlaceholders(value: unknown): unknown {
  if (typeof value === "string") return fillPlaceholders(value);
  if (Array.isArray(value)) return value.map(fillAllPlaceholders);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillAllPlaceholders(v)]));
  return value;
}
