import { badParameter } from "../errors/key-vault-error.js";
import { type ScryptCost, hashSecretAtCost, unmatchableHash } from "./secret-hash.js";

/**
 * Users' passwords: scrypt with N=2^15, r=8, p=1 (32 MiB per hash), a 16-byte salt and a 32-byte output, in the
 * same self-describing stored form as client secrets (`scrypt$32768$8$1$salt$hash`, secret-hash.ts), so the cost
 * can be raised later without invalidating older hashes. Client secrets are 256 random bits and need only a token
 * cost; a password is chosen by a person and may be guessable, so each guess must be expensive. Measured on the
 * 2-core machine Keyhold is developed on, one hash takes about 180 ms of one core: a little above the 50-150 ms
 * aimed at, but the step below (N=2^14, the client secrets' cost, about 35 ms) is too cheap for a guessable secret
 * and the step above (N=2^16, about 400 ms) too slow for the server's one or two hash threads. Checks run on the
 * hash pool's threads like every other secret check, never on the event loop.
 */
export const PASSWORD_COST: ScryptCost = { n: 32_768, r: 8, p: 1 };

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/**
 * What is hashed and compared: the password in Unicode NFC, so that the same characters typed on systems that
 * compose accents differently are the same password.
 */
export const normalisedPassword = (password: string): string => password.normalize("NFC");

/** The password (NFC) when it meets the policy: 12 to 256 characters (code points), not all whitespace. */
export function acceptablePassword(password: string): string {
  const normalised = normalisedPassword(password);
  const length = [...normalised].length;
  if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw badParameter(`A password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`);
  }
  if (!normalised.trim()) throw badParameter("A password must not be only whitespace.");
  return normalised;
}

/** The stored form of a password that meets the policy (refused with 400 BadParameter otherwise). */
export async function hashPassword(password: string): Promise<string> {
  return hashSecretAtCost(acceptablePassword(password), PASSWORD_COST);
}

/** What a sign-in for an unknown user (or one without a password) is checked against: the cost of a real one. */
export const UNMATCHABLE_PASSWORD_HASH = unmatchableHash(PASSWORD_COST);
