/**
 * The tenant names the authority answers for: `adfs` and the server's tenant id for every flow, and Entra's
 * `organizations` and `common` for users' sign-in only (MSAL's default authority for a user flow names one of
 * them). Service principals name their tenant, as Entra requires of the client credentials grant.
 */
export function isKnownTenant(tenant: string, tenantId: string): boolean {
  return tenant === "adfs" || tenant.toLowerCase() === tenantId || isUserOnlyTenant(tenant);
}

export function isUserOnlyTenant(tenant: string): boolean {
  const lower = tenant.toLowerCase();
  return lower === "organizations" || lower === "common";
}
