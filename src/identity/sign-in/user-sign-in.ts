import type { Store } from "../../storage/store.js";
import type { MfaService } from "../mfa-service.js";
import type { PrincipalService } from "../principal-service.js";
import type { IssuedUserTokens, TokenIssuer } from "../token-issuer.js";
import { AuthorizationCodes } from "./authorization-codes.js";
import { DeviceCodes } from "./device-codes.js";
import { RefreshGrants } from "./refresh-grants.js";
import { SignInSessions } from "./sign-in-sessions.js";
import type { SignedInUser } from "./signed-in-user.js";

export interface UserTokens extends IssuedUserTokens {
  refreshToken: string;
  /** Entra's `client_info`: base64url of `{"uid","utid"}`, from which MSAL builds the account's home id. */
  clientInfo: string;
}

export interface UserSignInOptions {
  now: () => number;
  /** Users' second factor: a user with one signs in with a password and then a code. */
  mfa: MfaService;
  /** Seconds a device-code client waits between polls. */
  devicePollSeconds?: number;
}

/**
 * Users signing in at Keyhold's authority (docs/user-sign-in.md): the browser session, authorization codes with
 * PKCE, device codes, and refresh tokens with rotation, all kept in the store so any node of a deployment can
 * continue a flow another began. Tokens are issued only for a sign-in whose password credential is still current.
 */
export class UserSignIn {
  readonly sessions: SignInSessions;
  readonly codes: AuthorizationCodes;
  readonly devices: DeviceCodes;
  readonly grants: RefreshGrants;
  readonly mfa: MfaService;

  readonly #now: () => number;

  constructor(
    private readonly store: Store,
    private readonly principals: PrincipalService,
    private readonly issuer: TokenIssuer,
    private readonly tenantId: string,
    options: UserSignInOptions,
  ) {
    this.#now = options.now;
    this.mfa = options.mfa;
    this.sessions = new SignInSessions(store, principals, options.mfa, options.now);
    this.codes = new AuthorizationCodes(store, options.now);
    this.devices = new DeviceCodes(store, options.now, options.devicePollSeconds);
    this.grants = new RefreshGrants(store, options.now);
  }

  /**
   * Access, id and refresh tokens for a sign-in, or null when the user or the password it was made with is gone.
   * `refreshToken` is the rotated token when the sign-in came from one; otherwise a new grant is made.
   */
  async tokensFor(user: SignedInUser, refreshToken?: string): Promise<UserTokens | null> {
    const principal = await this.principals.get(user.principalId);
    if (principal?.kind !== "user" || !(await this.principals.isCurrent(principal.id, user.credentialId))) return null;
    const issued = await this.issuer.issueForUser(principal, user.credentialId, user);
    const clientInfo = Buffer.from(JSON.stringify({ uid: principal.id, utid: this.tenantId })).toString("base64url");
    return { ...issued, refreshToken: refreshToken ?? (await this.grants.create(user)), clientInfo };
  }

  /** Removes what has expired: sessions, unused codes, idle grants. Run by the background work. */
  deleteExpired(): Promise<number> {
    return this.store.deleteExpiredAuthRecords(this.#now());
  }
}
