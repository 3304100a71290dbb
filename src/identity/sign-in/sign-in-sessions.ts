import type { PrincipalRecord } from "../../storage/records.js";
import type { StoreOps } from "../../storage/store.js";
import type { MfaService } from "../mfa-service.js";
import type { PrincipalService } from "../principal-service.js";
import { newOpaqueToken, tokenDigest } from "./opaque-token.js";

/** How long a sign-in at the authority lasts before the password is asked again. */
export const SESSION_SECONDS = 12 * 3600;

/** How long a user with a second factor has, after the password, to give a code. */
export const PENDING_SECONDS = 300;

export interface SignInSession {
  /** The digest of the session's cookie: codes and grants made in the session name it, and end with it. */
  id: string;
  principalId: string;
  /** The password credential the user proved; a new password ends the session. */
  credentialId: string;
  expiresAt: number;
}

/** A password check passed: a session, or for a user with a second factor a session waiting for the code. */
export type OpenedSignIn = { cookie: string; user: PrincipalRecord; credentialId: string } & (
  { pending: false; session: SignInSession } | { pending: true; expiresAt: number }
);

/** What a code given for a waiting session came to. */
export type SecondStep =
  | { outcome: "signedIn"; session: SignInSession }
  | { outcome: "wrongCode"; principalId: string; credentialId: string }
  /** No waiting session for this cookie: none, expired, its password replaced, or already completed. */
  | { outcome: "expired" };

interface SessionBody {
  credentialId: string;
  /** Present while the session waits for a second factor: it opens nothing until then. */
  pending?: true;
}

type SessionStore = Pick<StoreOps, "createAuthRecord" | "getAuthRecord" | "replaceAuthRecord" | "endSignInSession">;

/**
 * The browser's sign-in at the authority (docs/user-sign-in.md): a password check opens one, a cookie holds its
 * 256-bit token, the store holds the token's digest. While it lasts, authorization requests are answered without
 * asking again; signing out ends it with every code and refresh token obtained through it. For a user with a TOTP
 * second factor, the password opens a session that waits (in the store, so any node can finish it) for a code.
 */
export class SignInSessions {
  constructor(
    private readonly store: SessionStore,
    private readonly principals: PrincipalService,
    private readonly mfa: Pick<MfaService, "hasTotp" | "verifyTotp">,
    private readonly now: () => number,
  ) {}

  /**
   * A new session for the user whose password this is (waiting for a code when the user has a second factor), or
   * null; throws AuthThrottled as authenticateUser does.
   */
  async signIn(userName: string, password: string, address: string): Promise<OpenedSignIn | null> {
    const found = await this.principals.authenticateUser(userName, password, address);
    if (!found) return null;
    const cookie = newOpaqueToken();
    const id = tokenDigest(cookie);
    const { principal, credentialId } = found;
    const pending = await this.mfa.hasTotp(principal.id);
    const expiresAt = this.now() + (pending ? PENDING_SECONDS : SESSION_SECONDS);
    const body: SessionBody = pending ? { credentialId, pending } : { credentialId };
    await this.store.createAuthRecord({
      kind: "session",
      id,
      principalId: principal.id,
      sessionId: null,
      lookup: null,
      body: JSON.stringify(body),
      revision: 0,
      expiresAt,
    });
    if (pending) return { cookie, user: principal, credentialId, pending, expiresAt };
    return { cookie, user: principal, credentialId, pending, session: { id, principalId: principal.id, credentialId, expiresAt } };
  }

  /**
   * Completes the waiting session this cookie opens with the user's TOTP code: the same record, now a full session
   * of the usual length (a compare-and-set, so of two nodes finishing it at once one does). Throws AuthThrottled
   * when the user or the address has given too many wrong codes lately.
   */
  async completeWithCode(cookie: string | undefined, code: string, address: string): Promise<SecondStep> {
    if (!cookie) return { outcome: "expired" };
    const record = await this.store.getAuthRecord("session", tokenDigest(cookie));
    if (!record?.principalId || record.expiresAt <= this.now()) return { outcome: "expired" };
    const { credentialId, pending } = JSON.parse(record.body) as SessionBody;
    if (!pending || !(await this.principals.isCurrent(record.principalId, credentialId))) return { outcome: "expired" };
    if (!(await this.mfa.verifyTotp(record.principalId, code, address))) {
      return { outcome: "wrongCode", principalId: record.principalId, credentialId };
    }
    const session: SignInSession = {
      id: record.id,
      principalId: record.principalId,
      credentialId,
      expiresAt: this.now() + SESSION_SECONDS,
    };
    const body: SessionBody = { credentialId };
    const completed = await this.store.replaceAuthRecord(
      { ...record, body: JSON.stringify(body), expiresAt: session.expiresAt },
      record.revision,
    );
    return completed ? { outcome: "signedIn", session } : { outcome: "expired" };
  }

  /** The live session this cookie opens, or null (unknown, expired, waiting for a code, or its password changed since). */
  async fromCookie(cookie: string | undefined): Promise<SignInSession | null> {
    if (!cookie) return null;
    const record = await this.store.getAuthRecord("session", tokenDigest(cookie));
    if (!record?.principalId || record.expiresAt <= this.now()) return null;
    const { credentialId, pending } = JSON.parse(record.body) as SessionBody;
    if (pending || !(await this.principals.isCurrent(record.principalId, credentialId))) return null;
    return { id: record.id, principalId: record.principalId, credentialId, expiresAt: record.expiresAt };
  }

  /** Ends the session this cookie opens, with the codes and refresh tokens obtained through it. */
  async end(cookie: string | undefined): Promise<boolean> {
    if (!cookie) return false;
    return (await this.store.endSignInSession(tokenDigest(cookie))) > 0;
  }
}
