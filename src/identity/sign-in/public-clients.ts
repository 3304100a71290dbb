/**
 * The clients that may sign users in: Keyhold's built-in public client, the Azure CLI's application id, which
 * `@azure/identity`'s InteractiveBrowserCredential and DeviceCodeCredential use when given no client id, and the
 * public clients an administrator registers (PrincipalService.isPublicClient). A public
 * client proves nothing about itself; PKCE and the exact redirect URI bind a code to the program that asked for it
 * (docs/user-sign-in.md §7).
 */
export const BUILT_IN_PUBLIC_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Where an authorization answer may be sent: a loopback address on any port with no path (RFC 8252 §7.3, as MSAL
 * Node's listener uses), or exactly one of the server's own pages (`pages`, e.g. the console). Anything else is
 * refused before a login page is shown: a code sent elsewhere would be a code given away.
 */
export function isAllowedRedirect(redirectUri: string, pages: readonly string[]): boolean {
  if (pages.includes(redirectUri)) return true;
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  return (
    url.protocol === "http:" &&
    LOOPBACK_HOSTS.has(url.hostname) &&
    url.username === "" &&
    url.password === "" &&
    (url.pathname === "/" || url.pathname === "") &&
    url.search === "" &&
    url.hash === "" &&
    !/[?#]/.test(redirectUri)
  );
}
