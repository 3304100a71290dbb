import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href } from "../router.js";
import { ErrorNotice, Loading, lastPart, useAction, when } from "../ui.js";
import { usePagedList } from "./paged-list.js";

interface DeletedCertificateItem {
  id: string;
  recoveryId: string;
  deletedDate: number;
  scheduledPurgeDate: number;
}

/** Certificates deleted and not yet purged (with their keys and secrets): each can be recovered, or purged for good (asked twice). */
export function DeletedCertificates({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const list = usePagedList<DeletedCertificateItem>(() => api.vault(vaultName, "GET", "/deletedcertificates?maxresults=25"), [vaultName]);
  const action = useAction();
  const [purging, setPurging] = useState<string | null>(null);
  const act = (work: () => Promise<unknown>) =>
    void action.run(async () => {
      await work();
      setPurging(null);
      list.reload();
    });
  return (
    <div>
      <p class="crumbs">
        <a href={href("vaults", vaultName, "certificates")}>Certificates</a> /
      </p>
      <h2>Deleted certificates</h2>
      <ErrorNotice error={list.error ?? action.error} />
      {list.loading && list.items.length === 0 ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? <p>No deleted certificates.</p> : null}
      {list.items.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Deleted</th>
              <th scope="col">Purged on</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((item) => {
              const name = lastPart(item.recoveryId);
              const path = `/deletedcertificates/${encodeURIComponent(name)}`;
              return (
                <tr key={item.recoveryId}>
                  <td>{name}</td>
                  <td>{when(item.deletedDate)}</td>
                  <td>{when(item.scheduledPurgeDate)}</td>
                  <td class="row-actions">
                    <button type="button" disabled={action.busy} onClick={() => act(() => api.vault(vaultName, "POST", `${path}/recover`))}>
                      Recover
                    </button>
                    {purging === name ? (
                      <>
                        <span>Purge {name} for good?</span>
                        <button
                          type="button"
                          class="danger"
                          disabled={action.busy}
                          onClick={() => act(() => api.vault(vaultName, "DELETE", path))}
                        >
                          Purge for good
                        </button>
                        <button type="button" onClick={() => setPurging(null)}>
                          Cancel
                        </button>
                      </>
                    ) : (
                      <button type="button" class="danger" onClick={() => setPurging(name)}>
                        Purge
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {list.more ? (
        <button type="button" onClick={list.loadMore}>
          Load more
        </button>
      ) : null}
    </div>
  );
}
