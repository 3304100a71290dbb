import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href } from "../router.js";
import { ErrorNotice, Loading, useAction, useLoad } from "../ui.js";
import { type DeletedVaultJson, deletedVaultPath, isoWhen } from "./settings-vault.js";

/** Vaults deleted and not yet purged (an administrator's view): each can be recovered, or purged for good (asked twice). */
export function DeletedVaultsView() {
  const { api } = useConsole();
  const list = useLoad(() => api.admin<DeletedVaultJson[]>("GET", "/keyhold/deletedVaults"), []);
  return (
    <section aria-labelledby="deleted-vaults-title">
      <p class="crumbs">
        <a href={href("vaults")}>Vaults</a> /
      </p>
      <h1 id="deleted-vaults-title">Deleted vaults</h1>
      <ErrorNotice error={list.error} />
      {!list.data && !list.error ? <Loading /> : null}
      {list.data?.length === 0 ? <p>No deleted vaults.</p> : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Deleted</th>
              <th scope="col">Purged on</th>
              <th scope="col">Purge protection</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((vault) => (
              <tr key={vault.name}>
                <td>{vault.name}</td>
                <td>{isoWhen(vault.properties.deletionDate)}</td>
                <td>{isoWhen(vault.properties.scheduledPurgeDate)}</td>
                <td>{vault.properties.purgeProtectionEnabled ? "On" : "Off"}</td>
                <td>
                  <DeletedVaultActions vaultName={vault.name} onDone={list.reload} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/**
 * Recover (back with its contents, under the same name) or purge (gone for good, asked twice) one deleted vault. A
 * purge-protected vault cannot be purged before its date: the server says so, and the message is shown.
 */
export function DeletedVaultActions({ vaultName, onDone }: { vaultName: string; onDone: (recovered: boolean) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [purging, setPurging] = useState(false);
  const act = (recover: boolean) =>
    void action.run(async () => {
      await api.admin("POST", `${deletedVaultPath(vaultName)}/${recover ? "recover" : "purge"}`);
      setPurging(false);
      onDone(recover);
    });
  return (
    <div>
      <div class="row-actions">
        <button type="button" disabled={action.busy} onClick={() => act(true)}>
          Recover
        </button>
        {purging ? (
          <>
            <span>Purge {vaultName} and everything in it for good?</span>
            <button type="button" class="danger" disabled={action.busy} onClick={() => act(false)}>
              Purge for good
            </button>
            <button type="button" onClick={() => setPurging(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" class="danger" onClick={() => setPurging(true)}>
            Purge
          </button>
        )}
      </div>
      <ErrorNotice error={action.error} />
    </div>
  );
}
