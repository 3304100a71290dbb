import { useConsole } from "../context.js";
import type { Me } from "../me.js";
import { ErrorNotice, Loading, useLoad } from "../ui.js";
import { AccessPolicies } from "./access-policies.js";
import { RoleAssignments } from "./access-roles.js";
import { type VaultJson, vaultPath } from "./settings-vault.js";

/**
 * Who may use a vault: its role assignments when it uses role-based access control, else its access policies.
 * An administrator's vault is read afresh (its model may have just changed); anyone else only has `/keyhold/me`, and
 * the admin routes behind either view answer them 403, which is shown as what they may not see.
 */
export function AccessView({ vaultName, me }: { vaultName: string; me: Me }) {
  const { api } = useConsole();
  const known = me.vaults.find((v) => v.name.toLowerCase() === vaultName.toLowerCase());
  const model = useLoad<boolean>(async () => {
    if (known && !me.administrator) return known.enableRbacAuthorization;
    return (await api.admin<VaultJson>("GET", vaultPath(vaultName))).properties.enableRbacAuthorization;
  }, [vaultName]);
  if (model.error) {
    return (
      <div>
        <h2>Access</h2>
        <ErrorNotice error={model.error} />
      </div>
    );
  }
  if (model.data === null) return <Loading />;
  return model.data ? <RoleAssignments vaultName={vaultName} /> : <AccessPolicies vaultName={vaultName} />;
}
