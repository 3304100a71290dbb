import { CliError } from "./cli-error.js";
import type { Connection } from "./https-request.js";
import { claimsOf } from "./jwt-claims.js";
import { type Login, readLogin, saveLogin, withLoginLock } from "./login-store.js";
import { DEFAULT_USER_TENANT, type UserAuthority, type UserTokens, requestUserTokens, userAuthority } from "./user-authority.js";

/** A user's login is renewed when its access token has less than this left, so that a command's calls all fit in it. */
const RENEW_BEFORE_SECONDS = 120;

const now = () => Math.floor(Date.now() / 1000);

/** The login to keep for a user's tokens; `previous` is the login they renew, whose facts they keep when they repeat none. */
export function userLoginOf(
  server: { url: string; resource: string; caFile?: string },
  authority: UserAuthority,
  tokens: UserTokens,
  previous?: Login,
): Login {
  const access = claimsOf(tokens.accessToken);
  const userName = (tokens.idToken && claimsOf(tokens.idToken).preferred_username) ?? previous?.userName;
  const refreshToken = tokens.refreshToken ?? previous?.refreshToken;
  return {
    url: server.url,
    resource: server.resource,
    accessToken: tokens.accessToken,
    expiresOn: access.exp ?? now() + tokens.expiresIn,
    principalId: access.oid ?? previous?.principalId ?? "",
    loggedInAt: previous?.loggedInAt ?? now(),
    ...(server.caFile && { caFile: server.caFile }),
    ...(refreshToken && { refreshToken }),
    authorityHost: authority.authorityHost,
    tenant: authority.tenant,
    clientId: authority.clientId,
    ...(userName && { userName }),
  };
}

/** The authority a saved user login signed in at. */
export const authorityOf = (login: Login, connection: Connection): UserAuthority =>
  userAuthority(login.authorityHost ?? login.url, login.tenant ?? DEFAULT_USER_TENANT, connection, login.clientId);

export const needsRenewal = (login: Login): boolean => login.expiresOn <= now() + RENEW_BEFORE_SECONDS;

const signInAgain = (login: Login): CliError =>
  new CliError(
    "LoginExpired",
    `the login ${login.userName ? `of ${login.userName} ` : ""}to ${login.url} can no longer be renewed: the server refused its refresh ` +
      "token (signed out, revoked, or unused for too long)",
  );

/**
 * The saved login with a fresh access token, from its refresh token. The server rotates refresh tokens, so the new one
 * is saved before anything else happens; under the login's lock, so that a command started at the same time waits and
 * then finds the login renewed rather than spending the retired token (which would end the sign-in).
 */
export function renewedLogin(login: Login, connection: Connection, env: NodeJS.ProcessEnv = process.env): Promise<Login> {
  return withLoginLock(async () => {
    const saved = readLogin(env);
    const current = saved?.url === login.url && saved.refreshToken ? saved : login;
    if (!needsRenewal(current)) return current;
    const authority = authorityOf(current, connection);
    let tokens: UserTokens;
    try {
      tokens = await requestUserTokens(authority, current.resource, { grant_type: "refresh_token", refresh_token: current.refreshToken! });
    } catch (error) {
      if (error instanceof CliError && error.code === "invalid_grant") throw signInAgain(current);
      throw error;
    }
    const renewed = userLoginOf(current, authority, tokens, current);
    saveLogin(renewed, env);
    return renewed;
  }, env);
}
