import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href } from "../router.js";
import { ErrorNotice, Loading, lastPart, useAction, when } from "../ui.js";
import { usePagedList } from "./paged-list.js";

/** The kinds of vault objects that are soft-deleted, as their paths name them, with the words the view uses. */
const KINDS = {
  secrets: { path: "deletedsecrets", plural: "secrets", title: "Secrets" },
  keys: { path: "deletedkeys", plural: "keys", title: "Keys" },
  certificates: { path: "deletedcertificates", plural: "certificates", title: "Certificates" },
} as const;

export type DeletedKind = keyof typeof KINDS;

interface DeletedItem {
  recoveryId: string;
  deletedDate: number;
  scheduledPurgeDate: number;
}

/**
 * Secrets, keys or certificates deleted and not yet purged (a certificate with its key and secret): each can be
 * recovered, or purged for good (asked twice).
 */
export function DeletedObjects({ vaultName, kind }: { vaultName: string; kind: DeletedKind }) {
  const { api } = useConsole();
  const words = KINDS[kind];
  const list = usePagedList<DeletedItem>(() => api.vault(vaultName, "GET", `/${words.path}?maxresults=25`), [vaultName, kind]);
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
        <a href={href("vaults", vaultName, kind)}>{words.title}</a> /
      </p>
      <h2>Deleted {words.plural}</h2>
      <ErrorNotice error={list.error ?? action.error} />
      {list.loading && list.items.length === 0 ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? <p>No deleted {words.plural}.</p> : null}
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
              const path = `/${words.path}/${encodeURIComponent(name)}`;
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
