import { randomBytes } from "node:crypto";
import type { AccessControl } from "../authz/access-control.js";
import type { PrincipalService } from "../identity/principal-service.js";
import { readDevCredentials, updateDevCredentials } from "./dev-credentials-file.js";

/** Dev mode's user: a person's sign-in with the same rights as the dev service principal. */
export const DEV_USER_NAME = "dev@keyhold.local";
const DEV_USER_DISPLAY_NAME = "Keyhold Dev User";

export interface DevUser {
  id: string;
  userName: string;
  password: string;
}

export interface DevIdentities {
  clientId: string;
  clientSecret: string;
  identityId: string;
  identityHeader: string;
  user: DevUser;
}

type Programs = Omit<DevIdentities, "user">;
type Kept = Partial<Programs> & { user?: Partial<DevUser> };

/** 120 random bits as 20 base64url characters: within the password policy, and easy to copy from the banner. */
const newDevPassword = (): string => randomBytes(15).toString("base64url");

/**
 * The dev service principal, managed identity and user. Their secrets are kept in DIR/dev-identities.json (0600)
 * so restarts write the same env files and print the same password; the store holds only their hashes.
 */
export async function ensureDevIdentities(dir: string, principals: PrincipalService): Promise<DevIdentities> {
  const kept = readDevCredentials(dir) as Kept;
  // Whatever must be made hashes its credential with scrypt on the thread pool (the password at ~180 ms):
  // side by side, not one after the other.
  const [programs, user] = await Promise.all([ensureDevPrograms(kept, principals), ensureDevUser(kept.user, principals)]);
  const identities: DevIdentities = { ...programs.identities, user: user.user };
  if (programs.made || user.made) updateDevCredentials(dir, { ...identities });
  return identities;
}

async function ensureDevPrograms(kept: Kept, principals: PrincipalService): Promise<{ identities: Programs; made: boolean }> {
  if (kept.clientId && kept.clientSecret && kept.identityId && kept.identityHeader) {
    const sp = await principals.get(kept.clientId);
    const mi = await principals.get(kept.identityId);
    if (sp && mi) {
      const { clientId, clientSecret, identityId, identityHeader } = kept;
      return { identities: { clientId, clientSecret, identityId, identityHeader }, made: false };
    }
  }
  const [sp, mi] = await Promise.all([
    principals.createServicePrincipal("keyhold-dev"),
    principals.createManagedIdentity("keyhold-dev-identity"),
  ]);
  const identities: Programs = {
    clientId: sp.principal.id,
    clientSecret: sp.clientSecret,
    identityId: mi.principal.id,
    identityHeader: mi.identityHeader,
  };
  return { identities, made: true };
}

/**
 * The dev user with the kept password. A user that is gone is made again with that password; one of that name the
 * file does not know (made by hand, or the file was lost) is given the kept password or a new one, so that what the
 * banner prints is what signs in.
 */
async function ensureDevUser(kept: Partial<DevUser> | undefined, principals: PrincipalService): Promise<{ user: DevUser; made: boolean }> {
  const existing = await principals.findUser(DEV_USER_NAME);
  if (existing && kept?.password && existing.id === kept.id) {
    return { user: { id: existing.id, userName: DEV_USER_NAME, password: kept.password }, made: false };
  }
  const password = kept?.password ?? newDevPassword();
  if (existing) {
    await principals.setUserPassword(existing.id, password);
    return { user: { id: existing.id, userName: DEV_USER_NAME, password }, made: true };
  }
  const created = await principals.createUser({ userName: DEV_USER_NAME, displayName: DEV_USER_DISPLAY_NAME, password });
  return { user: { id: created.id, userName: DEV_USER_NAME, password }, made: true };
}

/**
 * Dev mode's grants, made idempotently at every start: the dev service principal and the dev user administer the
 * server (the admin API, the CLI) and, like the managed identity, have the Key Vault Administrator role on dev
 * mode's vaults (the default one, `--vault` ones and seeded ones).
 */
export async function ensureDevAccess(access: AccessControl, identities: DevIdentities, vaultNames: readonly string[]): Promise<void> {
  for (const principalId of [identities.clientId, identities.user.id]) {
    await access.ensureAssignment({ principalId, role: "Keyhold Administrator", scope: "/" }, "keyhold-dev");
  }
  for (const vaultName of vaultNames) {
    for (const principalId of [identities.clientId, identities.identityId, identities.user.id]) {
      await access.ensureAssignment({ principalId, role: "Key Vault Administrator", scope: `/vaults/${vaultName}` }, "keyhold-dev");
    }
  }
}
