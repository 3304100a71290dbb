import { useState } from "preact/hooks";
import { ApiError } from "../api.js";
import { useConsole } from "../context.js";
import type { Me } from "../me.js";
import { href, navigate } from "../router.js";
import { ErrorNotice, Loading, useAction, useLoad } from "../ui.js";
import { DeletedVaultActions } from "./deleted-vaults.js";
import { SettingsForm } from "./settings-form.js";
import { type DeletedVaultJson, type VaultJson, deletedVaultPath, isoWhen, vaultPath } from "./settings-vault.js";

type Loaded = { vault: VaultJson } | { deleted: DeletedVaultJson };

/**
 * A vault's settings as the admin API shows them, the ones PATCH may change, and deletion (asked twice). The admin
 * API is for administrators: anyone else is told so, with what `/keyhold/me` already says about the vault. A vault
 * deleted meanwhile is shown as such, with recover and purge.
 */
export function VaultSettingsView({ vaultName, me }: { vaultName: string; me: Me }) {
  const { api } = useConsole();
  const loaded = useLoad<Loaded>(async () => {
    try {
      return { vault: await api.admin<VaultJson>("GET", vaultPath(vaultName)) };
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404 && me.administrator)) throw error;
      const deleted = await api.admin<DeletedVaultJson>("GET", deletedVaultPath(vaultName)).catch(() => null);
      if (!deleted) throw error;
      return { deleted };
    }
  }, [vaultName]);
  const known = me.vaults.find((v) => v.name.toLowerCase() === vaultName.toLowerCase());
  if (loaded.error) {
    return (
      <div>
        <h2>Settings</h2>
        <ErrorNotice error={loaded.error} />
        {known ? (
          <p>
            Tier: {known.sku}. Permission model: {known.enableRbacAuthorization ? "role-based access control" : "access policies"}.
          </p>
        ) : null}
      </div>
    );
  }
  if (!loaded.data) return <Loading />;
  if ("deleted" in loaded.data) {
    const deleted = loaded.data.deleted;
    return (
      <div>
        <h2>Settings</h2>
        <p role="status">
          This vault was deleted on {isoWhen(deleted.properties.deletionDate)}; it will be purged on{" "}
          {isoWhen(deleted.properties.scheduledPurgeDate)}.
        </p>
        <DeletedVaultActions vaultName={vaultName} onDone={(recovered) => (recovered ? loaded.reload() : navigate("vaults"))} />
      </div>
    );
  }
  const vault = loaded.data.vault;
  return (
    <div>
      <h2>Settings</h2>
      <dl class="settings-facts">
        <dt>Tier</dt>
        <dd>{vault.properties.sku.name === "premium" ? "Premium" : "Standard"}</dd>
        <dt>Permission model</dt>
        <dd>{vault.properties.enableRbacAuthorization ? "Role-based access control" : "Access policies"}</dd>
        <dt>Days to keep deleted items</dt>
        <dd>{vault.properties.softDeleteRetentionInDays}</dd>
        <dt>Purge protection</dt>
        <dd>{vault.properties.enablePurgeProtection ? "On" : "Off"}</dd>
        <dt>URI</dt>
        <dd>
          <code>{vault.properties.vaultUri}</code>
        </dd>
        <dt>Created</dt>
        <dd>
          {isoWhen(vault.properties.createdAt)}
          {vault.properties.createdBy ? <span class="muted"> by {vault.properties.createdBy}</span> : null}
        </dd>
      </dl>
      <SettingsForm key={vault.name} vault={vault} onSaved={loaded.reload} />
      <DeleteVault vaultName={vault.name} administrator={me.administrator} onDeleted={loaded.reload} />
    </div>
  );
}

/** Deletion, asked twice: the vault and everything in it go to the deleted vaults, recoverable until purged. */
function DeleteVault({ vaultName, administrator, onDeleted }: { vaultName: string; administrator: boolean; onDeleted: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [asking, setAsking] = useState(false);
  return (
    <div class="panel">
      <h3>Delete this vault</h3>
      <p>
        The vault and everything in it stop answering at once; they can be recovered until the retention period ends
        {administrator ? (
          <>
            {" "}
            (see <a href={href("deleted-vaults")}>deleted vaults</a>)
          </>
        ) : null}
        .
      </p>
      <ErrorNotice error={action.error} />
      <div class="row-actions">
        {asking ? (
          <>
            <span>Delete {vaultName} and everything in it?</span>
            <button
              type="button"
              class="danger"
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  await api.admin("DELETE", vaultPath(vaultName));
                  setAsking(false);
                  onDeleted();
                })
              }
            >
              Yes, delete {vaultName}
            </button>
            <button type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" class="danger" onClick={() => setAsking(true)}>
            Delete vault
          </button>
        )}
      </div>
    </div>
  );
}
