import { randomUUID, sign } from "node:crypto";
import type { PrincipalRecord } from "../storage/records.js";
import type { SigningKey } from "./signing-key.js";

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  expiresOn: number;
}

/** What a signed-in user's tokens are for: the public client that asked, and the resource of the access token. */
export interface UserTokenRequest {
  clientId: string;
  audience: string;
  /** Echoed in the id_token only when the authorization request carried one (an id_token with a nonce nobody sent fails MSAL). */
  nonce: string | null;
}

export interface IssuedUserTokens extends IssuedToken {
  /** OpenID Connect's id_token, for the client to know who signed in (MSAL caches the account by it). */
  idToken: string;
}

export interface TokenIssuerOptions {
  issuer: string;
  tenantId: string;
  lifetimeSeconds: number;
  now: () => number;
}

/**
 * Signs access tokens shaped like Entra ID's v1 tokens (oid, tid, appid, idtyp), and users' id_tokens: compact JWS with ES256
 * (RFC 7515, RFC 7518 §3.4). The JWS is assembled here and signed by OpenSSL through node:crypto in one
 * synchronous call (about a fifth of the CPU of a general JOSE library going through WebCrypto): the header never
 * changes, so it is encoded once, and the claims are serialized by JSON.stringify, which escapes whatever a
 * display name or id might hold.
 */
export class TokenIssuer {
  readonly #encodedHeader: string;

  constructor(
    private readonly key: SigningKey,
    private readonly options: TokenIssuerOptions,
  ) {
    this.#encodedHeader = base64url(JSON.stringify({ alg: "ES256", typ: "JWT", kid: key.kid }));
  }

  /**
   * `credentialId` names the credential the caller proved (client secret, certificate or identity header):
   * the token carries it as `kh_cid`, and is refused once that credential or its principal is deleted. `kh_kind`
   * says what kind of principal it is, for the audit trail.
   */
  async issue(principal: PrincipalRecord, credentialId: string, audience: string): Promise<IssuedToken> {
    const now = this.options.now();
    const exp = now + this.options.lifetimeSeconds;
    const accessToken = this.#sign({
      oid: principal.id,
      tid: this.options.tenantId,
      appid: principal.id,
      azp: principal.id,
      idtyp: "app",
      ver: "1.0",
      kh_cid: credentialId,
      kh_kind: principal.kind,
      iss: this.options.issuer,
      sub: principal.id,
      aud: audience,
      iat: now,
      nbf: now,
      exp,
      jti: randomUUID(),
    });
    return { accessToken, expiresIn: exp - now, expiresOn: exp };
  }

  /**
   * A user's access token, shaped like Entra ID's v1 delegated tokens (`idtyp` user, `scp`, `appid` the client that
   * asked, `upn`), and the id_token of the sign-in (v2 shape: `aud` the client, `preferred_username`). The access
   * token names the password credential the user proved in `kh_cid`, so a new password revokes it.
   */
  async issueForUser(user: PrincipalRecord, credentialId: string, request: UserTokenRequest): Promise<IssuedUserTokens> {
    const now = this.options.now();
    const exp = now + this.options.lifetimeSeconds;
    const userName = user.userName ?? user.id;
    const accessToken = this.#sign({
      oid: user.id,
      tid: this.options.tenantId,
      appid: request.clientId,
      idtyp: "user",
      scp: "user_impersonation",
      upn: userName,
      unique_name: userName,
      name: user.displayName,
      ver: "1.0",
      kh_cid: credentialId,
      kh_kind: user.kind,
      iss: this.options.issuer,
      sub: user.id,
      aud: request.audience,
      iat: now,
      nbf: now,
      exp,
      jti: randomUUID(),
    });
    const idToken = this.#sign({
      ver: "2.0",
      iss: this.options.issuer,
      aud: request.clientId,
      iat: now,
      nbf: now,
      exp,
      oid: user.id,
      sub: user.id,
      tid: this.options.tenantId,
      preferred_username: userName,
      name: user.displayName,
      ...(request.nonce === null ? {} : { nonce: request.nonce }),
    });
    return { accessToken, idToken, expiresIn: exp - now, expiresOn: exp };
  }

  #sign(claims: object): string {
    const signingInput = `${this.#encodedHeader}.${base64url(JSON.stringify(claims))}`;
    // ES256's signature is r || s, 32 bytes each (RFC 7518 §3.4), not the DER that OpenSSL produces by default.
    const signature = sign("sha256", Buffer.from(signingInput), { key: this.key.privateKey, dsaEncoding: "ieee-p1363" });
    return `${signingInput}.${signature.toString("base64url")}`;
  }

  jwks(): { keys: object[] } {
    return { keys: [this.key.publicJwk] };
  }
}

const base64url = (text: string): string => Buffer.from(text).toString("base64url");
