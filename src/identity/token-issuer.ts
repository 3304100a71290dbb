import { randomUUID } from "node:crypto";
import { SignJWT } from "jose/jwt/sign";
import type { PrincipalRecord } from "../storage/records.js";
import type { SigningKey } from "./signing-key.js";

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  expiresOn: number;
}

export interface TokenIssuerOptions {
  issuer: string;
  tenantId: string;
  lifetimeSeconds: number;
  now: () => number;
}

/** Signs access tokens shaped like Entra ID's v1 app tokens (oid, tid, appid, azp, idtyp). */
export class TokenIssuer {
  constructor(
    private readonly key: SigningKey,
    private readonly options: TokenIssuerOptions,
  ) {}

  /**
   * `credentialId` names the credential the caller proved (client secret, certificate or identity header):
   * the token carries it as `kh_cid`, and is refused once that credential or its principal is deleted. `kh_kind`
   * says what kind of principal it is, for the audit trail.
   */
  async issue(principal: PrincipalRecord, credentialId: string, audience: string): Promise<IssuedToken> {
    const now = this.options.now();
    const exp = now + this.options.lifetimeSeconds;
    const accessToken = await new SignJWT({
      oid: principal.id,
      tid: this.options.tenantId,
      appid: principal.id,
      azp: principal.id,
      idtyp: "app",
      ver: "1.0",
      kh_cid: credentialId,
      kh_kind: principal.kind,
    })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: this.key.kid })
      .setIssuer(this.options.issuer)
      .setSubject(principal.id)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
    return { accessToken, expiresIn: exp - now, expiresOn: exp };
  }

  jwks(): { keys: object[] } {
    return { keys: [this.key.publicJwk] };
  }
}
