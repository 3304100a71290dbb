import type { PrincipalRecord } from "../../storage/records.js";
import type { StoreOps } from "../../storage/store.js";
import type { PrincipalService } from "../principal-service.js";
import { newOpaqueToken, tokenDigest } from "./opaque-token.js";

/** How long a sign-in at the authority lasts before the password is asked again. */
export const SESSION_SECONDS = 12 * 3600;

export interface SignInSession {
  /** The digest of the session's cookie: codes and grants made in the session name it, and end with it. */
  id: string;
  principalId: string;
  /** The password credential the user proved; a new password ends the session. */
  credentialId: string;
  expiresAt: number;
}

interface SessionBody {
  credentialId: string;
}

type SessionStore = Pick<StoreOps, "createAuthRecord" | "getAuthRecord" | "endSignInSession">;

/**
 * The browser's sign-in at the authority (docs/user-sign-in.md): a password check opens one, a cookie holds its
 * 256-bit token, the store holds the token's digest. While it lasts, authorization requests are answered without
 * asking again; signing out ends it with every code and refresh token obtained through it.
 */
export class SignInSessions {
  constructor(
    private readonly store: SessionStore,
    private readonly principals: PrincipalService,
    private readonly now: () => number,
  ) {}

  /** A new session for the user whose password this is, or null; throws AuthThrottled as authenticateUser does. */
  async signIn(
    userName: string,
    password: string,
    address: string,
  ): Promise<{ cookie: string; session: SignInSession; user: PrincipalRecord } | null> {
    const found = await this.principals.authenticateUser(userName, password, address);
    if (!found) return null;
    const cookie = newOpaqueToken();
    const session: SignInSession = {
      id: tokenDigest(cookie),
      principalId: found.principal.id,
      credentialId: found.credentialId,
      expiresAt: this.now() + SESSION_SECONDS,
    };
    const body: SessionBody = { credentialId: session.credentialId };
    await this.store.createAuthRecord({
      kind: "session",
      id: session.id,
      principalId: session.principalId,
      sessionId: null,
      lookup: null,
      body: JSON.stringify(body),
      revision: 0,
      expiresAt: session.expiresAt,
    });
    return { cookie, session, user: found.principal };
  }

  /** The live session this cookie opens, or null (unknown, expired, or its user's password changed since). */
  async fromCookie(cookie: string | undefined): Promise<SignInSession | null> {
    if (!cookie) return null;
    const record = await this.store.getAuthRecord("session", tokenDigest(cookie));
    if (!record?.principalId || record.expiresAt <= this.now()) return null;
    const { credentialId } = JSON.parse(record.body) as SessionBody;
    if (!(await this.principals.isCurrent(record.principalId, credentialId))) return null;
    return { id: record.id, principalId: record.principalId, credentialId, expiresAt: record.expiresAt };
  }

  /** Ends the session this cookie opens, with the codes and refresh tokens obtained through it. */
  async end(cookie: string | undefined): Promise<boolean> {
    if (!cookie) return false;
    return (await this.store.endSignInSession(tokenDigest(cookie))) > 0;
  }
}
