import { BUILT_IN_PUBLIC_CLIENT_ID } from "../identity/sign-in/public-clients.js";
import { CliError } from "./cli-error.js";
import { type Connection, parseBody, send } from "./https-request.js";

/** Where a user signs in: the authority's base URL and tenant, the public client the CLI signs in as, and the TLS trust. */
export interface UserAuthority {
  authorityHost: string;
  tenant: string;
  clientId: string;
  connection: Connection;
}

/** A user flow's default tenant, as MSAL's for its default public client: any tenant's user may sign in. */
export const DEFAULT_USER_TENANT = "organizations";

export function userAuthority(
  authorityHost: string,
  tenant: string,
  connection: Connection,
  clientId: string = BUILT_IN_PUBLIC_CLIENT_ID,
): UserAuthority {
  return { authorityHost: authorityHost.replace(/\/$/, ""), tenant, clientId, connection };
}

/** `adfs` has the v1 paths (`/adfs/oauth2/token`); every other tenant the v2 ones (`/<tenant>/oauth2/v2.0/token`). */
export function userEndpoint(authority: UserAuthority, name: "authorize" | "token" | "devicecode" | "revoke"): string {
  const base = authority.tenant === "adfs" ? "/adfs/oauth2" : `/${encodeURIComponent(authority.tenant)}/oauth2/v2.0`;
  return `${authority.authorityHost}${base}/${name}`;
}

/** The vault resource, an id token naming the user (`openid profile`) and a refresh token (`offline_access`). */
export const userScope = (resource: string): string => `${resource}/.default openid profile offline_access`;

/** A form POST to the authority; the answer's JSON, which is `{error, error_description}` on failure (RFC 6749 §5.2). */
export async function postToAuthority(
  authority: UserAuthority,
  url: string,
  fields: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const form = new URLSearchParams({ client_id: authority.clientId, ...fields }).toString();
  const res = await send(
    "POST",
    url,
    { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    form,
    authority.connection,
  );
  const json = parseBody(res, url);
  return { status: res.status, json: json !== null && typeof json === "object" ? (json as Record<string, unknown>) : {} };
}

/** The authority's refusal as the CLI's error: OAuth's error code, and its description. */
export function authorityRefusal(status: number, json: Record<string, unknown>): CliError {
  const code = typeof json.error === "string" ? json.error : "AuthenticationFailed";
  const description = typeof json.error_description === "string" ? json.error_description : `the authority answered ${status}`;
  return new CliError(code, description, status);
}

export interface UserTokens {
  accessToken: string;
  /** Absent only if the server did not rotate it; then the one spent stays valid. */
  refreshToken?: string;
  idToken?: string;
  expiresIn: number;
}

/** A token request with a user grant (authorization code, device code or refresh token): the tokens, or the refusal. */
export async function requestUserTokens(authority: UserAuthority, resource: string, fields: Record<string, string>): Promise<UserTokens> {
  const { status, json } = await postToAuthority(authority, userEndpoint(authority, "token"), { scope: userScope(resource), ...fields });
  if (status !== 200 || typeof json.access_token !== "string") throw authorityRefusal(status, json);
  return {
    accessToken: json.access_token,
    ...(typeof json.refresh_token === "string" && { refreshToken: json.refresh_token }),
    ...(typeof json.id_token === "string" && { idToken: json.id_token }),
    expiresIn: Number(json.expires_in) || 0,
  };
}

/** RFC 7009: the server forgets the refresh token (and the sign-in it continues). Its answer is 200 whether it knew it or not. */
export async function revokeRefreshToken(authority: UserAuthority, refreshToken: string): Promise<void> {
  const { status, json } = await postToAuthority(authority, userEndpoint(authority, "revoke"), {
    token: refreshToken,
    token_type_hint: "refresh_token",
  });
  if (status !== 200) throw authorityRefusal(status, json);
}
