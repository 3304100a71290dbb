import { createHash, randomBytes } from "node:crypto";
import { listenForAuthorizationCode } from "./loopback-listener.js";
import { type UserAuthority, type UserTokens, requestUserTokens, userEndpoint, userScope } from "./user-authority.js";

/** A PKCE pair (RFC 7636, S256): the verifier stays here, its SHA-256 goes to the authorize request. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export interface BrowserSignInOptions {
  timeoutMs: number;
  /** Shows the person what to do (stderr). */
  tell: (message: string) => void;
  open: (url: string) => void;
}

/**
 * The authorization code grant with PKCE, as MSAL Node's interactive flow runs it: a loopback listener takes the
 * authority's form post, the browser is sent to the authorize URL (which is also printed, for a browser elsewhere or
 * one that did not open), and the code is redeemed with the verifier. The listener is closed whatever the outcome.
 */
export async function browserSignIn(authority: UserAuthority, resource: string, options: BrowserSignInOptions): Promise<UserTokens> {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString("base64url");
  const listener = await listenForAuthorizationCode(state, options.timeoutMs);
  try {
    const query = new URLSearchParams({
      client_id: authority.clientId,
      response_type: "code",
      redirect_uri: listener.redirectUri,
      response_mode: "form_post",
      scope: userScope(resource),
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const url = `${userEndpoint(authority, "authorize")}?${query}`;
    options.tell(`To sign in, a browser is opening this page; if none does, open it yourself on this machine:\n${url}`);
    options.open(url);
    const code = await listener.code;
    return await requestUserTokens(authority, resource, {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: listener.redirectUri,
    });
  } finally {
    await listener.close();
  }
}
