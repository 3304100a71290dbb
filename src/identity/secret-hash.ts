import { randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

/**
 * Slow salted hashes for client secrets and identity headers: scrypt (RFC 7914) with N=2^14, r=8, p=1,
 * a 16-byte salt and a 32-byte output (passwords use the same form at a higher cost: password-hash.ts). Stored as
 * `SCHEME$N$r$p$salt$hash`, where SCHEME says what the secret looks like (the hash is of the whole secret either way):
 *
 * - `scrypt`: a secret that does not say which credential it belongs to (identity headers, and every client
 *   secret made before self-identifying secrets existed: such stored hashes stay valid as they are);
 * - `scrypt-cid`: a self-identifying client secret, `<first 8 characters of its credential id>~<random>`, in the
 *   spirit of the 3-character hint that starts Entra's client secrets. The hint is not secret (credential ids are
 *   listed by the admin API); it lets the server pick the one credential to check, so a wrong secret costs one
 *   scrypt whether the client has one secret or many, and the cost does not tell who has several.
 *
 * Hashes for new secrets are made on the libuv thread pool (an authenticated admin operation, rare); checks run
 * on the hash pool's own threads (hash-pool.ts) through verifySecretSync.
 */
const SECRET_COST: ScryptCost = { n: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 32;
/** Room for N=2^17 with r=8 (128 MiB, the most a stored hash may ask for); a hash uses only what its parameters need. */
const MAX_MEMORY = 256 * 1024 * 1024;
const PLAIN = "scrypt";
const SELF_IDENTIFYING = "scrypt-cid";
/** Characters of the credential id that start a self-identifying secret. */
export const HINT_LENGTH = 8;
const HINTED = new RegExp(`^([0-9a-f]{${HINT_LENGTH}})~`);

/** scrypt's cost parameters (RFC 7914): CPU/memory cost, block size, parallelisation. */
export interface ScryptCost {
  n: number;
  r: number;
  p: number;
}

function derive(secret: string, salt: Buffer, { n, r, p }: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

const storedForm = (scheme: string, { n, r, p }: ScryptCost, salt: Buffer, key: Buffer): string =>
  [scheme, n, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");

/** The stored form of a new secret; `selfIdentifying` for secrets made by newSelfIdentifyingSecret. */
export async function hashSecret(secret: string, selfIdentifying = false): Promise<string> {
  const salt = randomBytes(16);
  return storedForm(selfIdentifying ? SELF_IDENTIFYING : PLAIN, SECRET_COST, salt, await derive(secret, salt, SECRET_COST));
}

/**
 * The stored form (scheme `scrypt`) of a secret hashed at another cost than generated secrets need: passwords
 * (password-hash.ts). verifySecretSync reads the cost from the stored form, so a cost raised later leaves older
 * hashes valid.
 */
export async function hashSecretAtCost(secret: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(16);
  return storedForm(PLAIN, cost, salt, await derive(secret, salt, cost));
}

function parse(stored: string): { n: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if ((scheme !== PLAIN && scheme !== SELF_IDENTIFYING) || !n || !r || !p || !salt || !hash) return null;
  return { n: Number(n), r: Number(r), p: Number(p), salt: Buffer.from(salt, "base64url"), hash: Buffer.from(hash, "base64url") };
}

/**
 * Whether `secret` is the one `stored` was made from. Blocks its thread for the whole scrypt: it runs on the hash
 * pool's threads only (hash-pool.ts), never on the event loop, and there is deliberately no variant for the
 * libuv thread pool, which the store's WAL flush needs.
 */
export function verifySecretSync(secret: string, stored: string): boolean {
  const parsed = parse(stored);
  if (!parsed) return false;
  try {
    const actual = scryptSync(secret, parsed.salt, KEY_LENGTH, { N: parsed.n, r: parsed.r, p: parsed.p, maxmem: MAX_MEMORY });
    return actual.length === parsed.hash.length && timingSafeEqual(actual, parsed.hash);
  } catch {
    return false;
  }
}

/** Whether this stored hash is of a self-identifying secret (`<hint>~<random>`). */
export const isSelfIdentifying = (stored: string): boolean => stored.startsWith(`${SELF_IDENTIFYING}$`);

/** The credential-id hint a presented secret starts with, or null for a secret without one. */
export function secretHint(secret: string): string | null {
  return HINTED.exec(secret)?.[1] ?? null;
}

/**
 * A stored hash that no secret matches, with the given parameters (those of real ones, so checking it costs the
 * same): what an attempt is checked against when its client id, hint or user name names no credential. Nothing is
 * hashed to make it; its "hash" is random bytes.
 */
export const unmatchableHash = (cost: ScryptCost): string => storedForm(PLAIN, cost, randomBytes(16), randomBytes(KEY_LENGTH));

/** An unmatchable hash at the cost of client secrets and identity headers. */
export const UNMATCHABLE_HASH = unmatchableHash(SECRET_COST);

/** A new random credential: 32 bytes from the OS CSPRNG, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** A new client secret that names its credential: `<first 8 characters of credentialId>~<43 random characters>`. */
export function newSelfIdentifyingSecret(credentialId: string): string {
  const hint = credentialId.slice(0, HINT_LENGTH).toLowerCase();
  if (!/^[0-9a-f]+$/.test(hint) || hint.length !== HINT_LENGTH) throw new Error("credential ids start with 8 hex digits");
  return `${hint}~${newSecret()}`;
}
