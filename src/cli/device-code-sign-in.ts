import { CliError } from "./cli-error.js";
import {
  type UserAuthority,
  type UserTokens,
  authorityRefusal,
  postToAuthority,
  requestUserTokens,
  userEndpoint,
  userScope,
} from "./user-authority.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why polling stopped, in words a person can act on; other errors keep the authority's code and description. */
const POLL_FAILURES: Record<string, string> = {
  expired_token: "the code was not entered in time",
  authorization_declined: "the sign-in was declined in the browser",
  bad_verification_code: "the authority no longer knows the device code",
};

const inPlainWords = (error: CliError): CliError => {
  const failure = POLL_FAILURES[error.code];
  return failure ? new CliError(error.code, failure, error.statusCode) : error;
};

/**
 * The device authorization grant (RFC 8628): ask the authority for a code, show its message (which says where to enter
 * the code), then poll the token endpoint, `interval` seconds apart, until the person has signed in and approved. As
 * with MSAL, only `authorization_pending` continues; any other answer ends the sign-in.
 */
export async function deviceCodeSignIn(authority: UserAuthority, resource: string, tell: (message: string) => void): Promise<UserTokens> {
  const { status, json } = await postToAuthority(authority, userEndpoint(authority, "devicecode"), { scope: userScope(resource) });
  if (status !== 200) throw authorityRefusal(status, json);
  const { device_code: deviceCode, message, interval, expires_in: expiresIn } = json;
  if (typeof deviceCode !== "string" || typeof message !== "string" || typeof interval !== "number" || typeof expiresIn !== "number") {
    throw new CliError("BadResponse", `${new URL(authority.authorityHost).origin} answered the device code request without a code`);
  }
  tell(message);
  const deadline = Date.now() + expiresIn * 1000;
  for (;;) {
    await sleep(Math.max(interval, 1) * 1000);
    try {
      return await requestUserTokens(authority, resource, { grant_type: "device_code", device_code: deviceCode });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      if (error.code !== "authorization_pending") throw inPlainWords(error);
    }
    if (Date.now() > deadline) throw new CliError("expired_token", POLL_FAILURES.expired_token!);
  }
}
