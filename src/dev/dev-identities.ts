import type { AccessControl } from "../authz/access-control.js";
import type { PrincipalService } from "../identity/principal-service.js";
import { readDevCredentials, updateDevCredentials } from "./dev-credentials-file.js";

export interface DevIdentities {
  clientId: string;
  clientSecret: string;
  identityId: string;
  identityHeader: string;
}

/**
 * The dev service principal and managed identity. Their secrets are kept in DIR/dev-identities.json (0600)
 * so restarts write the same env files; the store holds only their hashes.
 */
export async function ensureDevIdentities(dir: string, principals: PrincipalService): Promise<DevIdentities> {
  const kept = readDevCredentials(dir) as Partial<DevIdentities>;
  if (kept.clientId && kept.clientSecret && kept.identityId && kept.identityHeader) {
    const sp = await principals.get(kept.clientId);
    const mi = await principals.get(kept.identityId);
    if (sp && mi) {
      return { clientId: kept.clientId, clientSecret: kept.clientSecret, identityId: kept.identityId, identityHeader: kept.identityHeader };
    }
  }
  // Both hash their credential with scrypt on the thread pool: side by side, not one after the other.
  const [sp, mi] = await Promise.all([
    principals.createServicePrincipal("keyhold-dev"),
    principals.createManagedIdentity("keyhold-dev-identity"),
  ]);
  const identities: DevIdentities = {
    clientId: sp.principal.id,
    clientSecret: sp.clientSecret,
    identityId: mi.principal.id,
    identityHeader: mi.identityHeader,
  };
  updateDevCredentials(dir, { ...identities });
  return identities;
}

/**
 * Dev mode's grants, made idempotently at every start: the dev service principal administers the server (the
 * admin API, the CLI) and, like the managed identity, has the Key Vault Administrator role on dev mode's vaults
 * (the default one, `--vault` ones and seeded ones).
 */
export async function ensureDevAccess(access: AccessControl, identities: DevIdentities, vaultNames: readonly string[]): Promise<void> {
  await access.ensureAssignment({ principalId: identities.clientId, role: "Keyhold Administrator", scope: "/" }, "keyhold-dev");
  for (const vaultName of vaultNames) {
    for (const principalId of [identities.clientId, identities.identityId]) {
      await access.ensureAssignment({ principalId, role: "Key Vault Administrator", scope: `/vaults/${vaultName}` }, "keyhold-dev");
    }
  }
}
