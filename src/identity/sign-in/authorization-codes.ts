import type { StoreOps } from "../../storage/store.js";
import { newOpaqueToken, tokenDigest } from "./opaque-token.js";
import { verifierMatches } from "./pkce.js";
import type { SignInSession } from "./sign-in-sessions.js";
import type { SignedInUser } from "./signed-in-user.js";

/** RFC 6749 §4.1.2 recommends ten minutes at most; the client redeems it within a second of receiving it. */
export const CODE_SECONDS = 300;

/** What an authorization request asked for, checked before a code is issued. */
export interface CodeRequest {
  clientId: string;
  redirectUri: string;
  /** The S256 PKCE challenge: public clients must send one. */
  codeChallenge: string;
  audience: string;
  nonce: string | null;
}

interface CodeBody extends CodeRequest {
  credentialId: string;
}

type CodeStore = Pick<StoreOps, "createAuthRecord" | "getAuthRecord" | "deleteAuthRecord">;

/**
 * Authorization codes (RFC 6749 §4.1 with PKCE, RFC 7636): single-use, short-lived, bound to the client, the
 * redirect URI and the code challenge of the request, and to the sign-in session they were issued in.
 */
export class AuthorizationCodes {
  constructor(
    private readonly store: CodeStore,
    private readonly now: () => number,
  ) {}

  async issue(session: SignInSession, request: CodeRequest): Promise<string> {
    const code = newOpaqueToken();
    const body: CodeBody = { ...request, credentialId: session.credentialId };
    await this.store.createAuthRecord({
      kind: "code",
      id: tokenDigest(code),
      principalId: session.principalId,
      sessionId: session.id,
      lookup: null,
      body: JSON.stringify(body),
      revision: 0,
      expiresAt: this.now() + CODE_SECONDS,
    });
    return code;
  }

  /**
   * The sign-in a code stands for, or null. A code is spent by its first redemption whatever the outcome, so a
   * stolen code tried with a wrong verifier is gone for its rightful holder too (who then signs in again).
   */
  async redeem(code: string, clientId: string, redirectUri: string | undefined, codeVerifier: string): Promise<SignedInUser | null> {
    const id = tokenDigest(code);
    const record = await this.store.getAuthRecord("code", id);
    if (!record?.principalId || !(await this.store.deleteAuthRecord("code", id))) return null;
    const body = JSON.parse(record.body) as CodeBody;
    const valid =
      record.expiresAt > this.now() &&
      body.clientId.toLowerCase() === clientId.toLowerCase() &&
      body.redirectUri === redirectUri &&
      verifierMatches(codeVerifier, body.codeChallenge);
    // A session ended (signed out) between the code's issue and now takes the code with it.
    if (!valid || (record.sessionId !== null && !(await this.store.getAuthRecord("session", record.sessionId)))) return null;
    return {
      principalId: record.principalId,
      credentialId: body.credentialId,
      clientId: body.clientId,
      audience: body.audience,
      sessionId: record.sessionId,
      nonce: body.nonce,
    };
  }
}
