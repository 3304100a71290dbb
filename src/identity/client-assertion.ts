import { X509Certificate, createHash } from "node:crypto";
import { decodeProtectedHeader } from "jose/decode/protected_header";
import { decodeJwt } from "jose/jwt/decode";
import { jwtVerify } from "jose/jwt/verify";
import type { CredentialRecord } from "../storage/records.js";

/**
 * Where the assertion must have been made for: this server's token endpoints as configured (authorityUrl),
 * never as the request addressed them, or an assertion made for another issuer could be replayed here.
 */
export interface AssertionCheck {
  audiences: readonly string[];
  leewaySeconds: number;
}

/**
 * The longest lifetime (exp − nbf, or exp − iat) accepted. MSAL makes its assertions live exactly 600 s; a
 * longer-lived one is a standing credential that anyone who sees it once can replay until it expires.
 */
export const MAX_ASSERTION_LIFETIME_SECONDS = 600;

/**
 * A correctly signed assertion refused for what it claims (no expiry, too long a lifetime). Thrown only after
 * the signature has been verified, so its message tells the holder of the certificate, nobody else, what to fix.
 */
export class ClientAssertionRefused extends Error {}

const thumbprint = (certificate: X509Certificate, hash: "sha1" | "sha256"): string =>
  createHash(hash).update(certificate.raw).digest("base64url");

/**
 * Client authentication with a certificate (RFC 7523 §2.2 and §3), as MSAL sends it: a JWT signed with the
 * certificate's private key (PS256 with the header `x5t#S256`, or RS256 with `x5t`), whose `iss` and `sub`
 * are the client id and whose `aud` is the token endpoint. Returns the registered certificate credential that
 * signed it, or null; every failure to verify looks the same to the caller. A verified assertion without `exp`
 * or living longer than MAX_ASSERTION_LIFETIME_SECONDS throws ClientAssertionRefused. A repeated `jti` is not
 * refused: MSAL reuses one assertion for several token requests within its lifetime.
 */
export async function verifyClientAssertion(
  assertion: string,
  clientId: string,
  certificates: readonly CredentialRecord[],
  check: AssertionCheck & { now: number },
): Promise<CredentialRecord | null> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return null;
  }
  const wantedS256 = typeof header["x5t#S256"] === "string" ? header["x5t#S256"] : null;
  const wantedSha1 = typeof header.x5t === "string" ? header.x5t : null;
  for (const credential of certificates) {
    if (!credential.certificate) continue;
    const certificate = new X509Certificate(credential.certificate);
    const matches =
      (wantedS256 !== null && wantedS256 === thumbprint(certificate, "sha256")) ||
      (wantedSha1 !== null && wantedSha1 === thumbprint(certificate, "sha1"));
    if (!matches) continue;
    try {
      await jwtVerify(assertion, certificate.publicKey, {
        algorithms: ["PS256", "RS256"],
        issuer: clientId,
        subject: clientId,
        audience: [...check.audiences],
        clockTolerance: check.leewaySeconds,
        currentDate: new Date(check.now * 1000),
        requiredClaims: ["aud", "iss", "sub"],
      });
    } catch {
      return null;
    }
    checkLifetime(assertion);
    return credential;
  }
  return null;
}

function checkLifetime(assertion: string): void {
  const claims = decodeJwt(assertion);
  if (typeof claims.exp !== "number") {
    throw new ClientAssertionRefused("AADSTS700024: Client assertion has no 'exp' claim; it must expire.");
  }
  const start = typeof claims.nbf === "number" ? claims.nbf : claims.iat;
  if (typeof start !== "number") {
    throw new ClientAssertionRefused("AADSTS700024: Client assertion has neither an 'nbf' nor an 'iat' claim, so its lifetime is unknown.");
  }
  if (claims.exp - start > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new ClientAssertionRefused(
      `AADSTS700024: Client assertion lifetime (exp - ${typeof claims.nbf === "number" ? "nbf" : "iat"}) of ${claims.exp - start} seconds exceeds the maximum of ${MAX_ASSERTION_LIFETIME_SECONDS} seconds.`,
    );
  }
}
