import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href, navigate } from "../router.js";
import { ErrorNotice, Loading, lastPart, useAction, useLoad, when } from "../ui.js";
import type { KeyBundle, KeyItem } from "./keys.js";
import { KeyType } from "./keys.js";
import { PublicKeyPanel } from "./keys-public-key.js";
import { RotationPolicyPanel } from "./keys-rotation-policy.js";
import { KeySettingsForm } from "./keys-settings.js";
import { usePagedList } from "./paged-list.js";

/**
 * One key: its versions with their public keys, rotation now or by policy, the current version's settings, and
 * deletion. The current version is the one the key's own address answers with.
 */
export function KeyDetail({ vaultName, keyName }: { vaultName: string; keyName: string }) {
  const { api } = useConsole();
  const path = `/keys/${encodeURIComponent(keyName)}`;
  const versions = usePagedList<KeyItem>(() => api.vault(vaultName, "GET", `${path}/versions?maxresults=25`), [vaultName, keyName]);
  const current = useLoad(() => api.vault<KeyBundle>(vaultName, "GET", path), [vaultName, keyName]);
  const [shown, setShown] = useState<string | null>(null);
  const action = useAction();
  const currentVersion = current.data?.key.kid ? lastPart(current.data.key.kid) : null;
  const sorted = [...versions.items].sort((a, b) => b.attributes.created - a.attributes.created);
  const changed = () => {
    versions.reload();
    current.reload();
  };
  return (
    <div>
      <p class="crumbs">
        <a href={href("vaults", vaultName, "keys")}>Keys</a> /
      </p>
      <div class="title-row">
        <h2>{keyName}</h2>
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              await api.vault(vaultName, "POST", `${path}/rotate`);
              changed();
            })
          }
        >
          Rotate
        </button>
        <button
          type="button"
          class="danger"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              await api.vault(vaultName, "DELETE", path);
              navigate("vaults", vaultName, "deleted-keys");
            })
          }
        >
          Delete
        </button>
      </div>
      <ErrorNotice error={action.error} />
      <ErrorNotice error={versions.error ?? current.error} />
      {versions.loading && sorted.length === 0 ? <Loading /> : null}
      {sorted.length > 0 ? (
        <table aria-label="Versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Type</th>
              <th scope="col">Enabled</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Public key</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((version) => {
              const versionPath = new URL(version.kid).pathname;
              const name = lastPart(version.kid);
              return (
                <tr key={version.kid}>
                  <td>
                    <code>{name}</code>
                    {name === currentVersion ? <span class="badge">current</span> : null}
                  </td>
                  <td>
                    <KeyType vaultName={vaultName} path={versionPath} />
                  </td>
                  <td>{version.attributes.enabled ? "Yes" : "No"}</td>
                  <td>{when(version.attributes.created)}</td>
                  <td>{when(version.attributes.exp)}</td>
                  <td>
                    <button
                      type="button"
                      aria-pressed={shown === versionPath}
                      onClick={() => setShown(shown === versionPath ? null : versionPath)}
                    >
                      Public key
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {versions.more ? (
        <button type="button" onClick={versions.loadMore}>
          Load more
        </button>
      ) : null}
      {shown ? <PublicKeyPanel key={shown} vaultName={vaultName} path={shown} fileName={`${keyName}-${lastPart(shown)}`} /> : null}
      <RotationPolicyPanel vaultName={vaultName} keyName={keyName} />
      {current.data ? <KeySettingsForm key={current.data.key.kid} vaultName={vaultName} bundle={current.data} onSaved={changed} /> : null}
    </div>
  );
}
