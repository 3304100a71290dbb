/**
 * The resource a token is for, from `scope=<resource>/.default` (v2, MSAL; other scopes such as `openid` may come
 * along) or `resource=<resource>` (v1); null unless it is one this server serves.
 */
export function servedAudience(scope: string | undefined, resource: string | undefined, served: readonly string[]): string | null {
  const defaults = (scope ?? "").split(/\s+/).filter((s) => s.endsWith("/.default"));
  const named = defaults.length > 0 ? defaults[0]!.slice(0, -"/.default".length) : resource;
  const bare = named?.replace(/\/$/, "");
  return bare && served.includes(bare) ? bare : null;
}
