import { X509Certificate, createHash } from "node:crypto";
import { decodeProtectedHeader } from "jose/decode/protected_header";
import { jwtVerify } from "jose/jwt/verify";
import type { CredentialRecord } from "../storage/records.js";

/** Where the assertion must have been made for: this server's token endpoint, as the client addressed it. */
export interface AssertionCheck {
  audiences: readonly string[];
  leewaySeconds: number;
}

const thumbprint = (certificate: X509Certificate, hash: "sha1" | "sha256"): string =>
  createHash(hash).update(certificate.raw).digest("base64url");

/**
 * Client authentication with a certificate (RFC 7523 §2.2 and §3), as MSAL sends it: a JWT signed with the
 * certificate's private key (PS256 with the header `x5t#S256`, or RS256 with `x5t`), whose `iss` and `sub`
 * are the client id and whose `aud` is the token endpoint. Returns the registered certificate credential that
 * signed it, or null; every failure looks the same to the caller.
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
    const matches = (wantedS256 !== null && wantedS256 === thumbprint(certificate, "sha256")) || (wantedSha1 !== null && wantedSha1 === thumbprint(certificate, "sha1"));
    if (!matches) continue;
    try {
      await jwtVerify(assertion, certificate.publicKey, {
        algorithms: ["PS256", "RS256"],
        issuer: clientId,
        subject: clientId,
        audience: [...check.audiences],
        clockTolerance: check.leewaySeconds,
        currentDate: new Date(check.now * 1000),
        requiredClaims: ["exp", "aud", "iss", "sub"],
      });
      return credential;
    } catch {
      return null;
    }
  }
  return null;
}
