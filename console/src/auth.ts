import type { ConsoleConfig } from "./config.js";

/** The sign-in under way while the browser is at the authority: only the PKCE verifier, never a token. */
const PENDING_KEY = "keyhold.console.signIn";

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const randomText = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

const redirectUri = (): string => `${location.origin}/`;

export interface SignedInUser {
  id: string;
  userName: string;
  name: string;
}

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  id_token: string;
  expires_in: number;
}

/**
 * The signed-in user's tokens, kept in this page's memory only (never in local or session storage): a reload signs
 * in again, which the authority's session answers without asking for the password.
 */
export class Session {
  #accessToken: string;
  #refreshToken: string;
  #expiresAt: number;
  readonly user: SignedInUser;

  constructor(
    private readonly config: ConsoleConfig,
    answer: TokenAnswer,
  ) {
    this.#accessToken = answer.access_token;
    this.#refreshToken = answer.refresh_token;
    this.#expiresAt = Date.now() + answer.expires_in * 1000;
    const claims = JSON.parse(atob(answer.id_token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, string>;
    this.user = { id: claims.oid ?? "", userName: claims.preferred_username ?? "", name: claims.name ?? "" };
  }

  /** A valid access token, refreshed (and the refresh token rotated) when it has a minute or less left. */
  async token(): Promise<string> {
    if (Date.now() < this.#expiresAt - 60_000) return this.#accessToken;
    const answer = await tokenRequest(this.config, { grant_type: "refresh_token", refresh_token: this.#refreshToken });
    this.#accessToken = answer.access_token;
    this.#refreshToken = answer.refresh_token;
    this.#expiresAt = Date.now() + answer.expires_in * 1000;
    return this.#accessToken;
  }
}

async function tokenRequest(config: ConsoleConfig, fields: Record<string, string>): Promise<TokenAnswer> {
  const body = new URLSearchParams({ client_id: config.clientId, scope: scope(config), ...fields });
  const res = await fetch(`${config.authority}/${config.tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  const json = (await res.json()) as TokenAnswer & { error?: string; error_description?: string };
  if (!res.ok) throw new Error(json.error_description ?? json.error ?? `Sign-in failed (${res.status}).`);
  return json;
}

const scope = (config: ConsoleConfig) => `${config.resource}/.default openid profile offline_access`;

/** Goes to the authority's sign-in (authorization code with PKCE); the console page comes back with a code. */
export async function beginSignIn(config: ConsoleConfig, returnTo: string): Promise<void> {
  const verifier = randomText();
  const state = randomText();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  const query = new URLSearchParams({
    client_id: config.clientId,
    response_type: "code",
    redirect_uri: redirectUri(),
    response_mode: "query",
    scope: scope(config),
    state,
    code_challenge: base64url(digest),
    code_challenge_method: "S256",
  });
  location.assign(`${config.authority}/${config.tenant}/oauth2/v2.0/authorize?${query}`);
}

/**
 * The session the page came back with from the authority, or null when it did not come back from a sign-in. The code
 * and state are removed from the address at once, whatever happens next.
 */
export async function completeSignIn(config: ConsoleConfig): Promise<Session | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const error = params.get("error");
  if (!code && !error) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, "", `/${pending?.returnTo ?? ""}`);
  if (error) throw new Error(params.get("error_description") ?? error);
  if (!pending || params.get("state") !== pending.state) throw new Error("The sign-in could not be completed: start it again.");
  const answer = await tokenRequest(config, {
    grant_type: "authorization_code",
    code: code!,
    code_verifier: pending.verifier,
    redirect_uri: redirectUri(),
  });
  return new Session(config, answer);
}

/** Ends the sign-in at the authority too, which revokes this session's refresh tokens, and comes back signed out. */
export function signOut(config: ConsoleConfig): void {
  const query = new URLSearchParams({ post_logout_redirect_uri: redirectUri() });
  location.assign(`${config.authority}/${config.tenant}/oauth2/v2.0/logout?${query}`);
}
