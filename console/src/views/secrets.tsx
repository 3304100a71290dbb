import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href, navigate } from "../router.js";
import { ErrorNotice, Field, Loading, lastPart, parseTags, useAction, when } from "../ui.js";
import { DeletedObjects } from "./deleted-objects.js";
import { SecretDetail } from "./secret-detail.js";
import { type Listing, usePagedList } from "./paged-list.js";

export interface SecretItem {
  id: string;
  contentType?: string;
  tags?: Record<string, string>;
  managed?: boolean;
  attributes: { enabled: boolean; created: number; updated: number; exp?: number; nbf?: number };
}

/** A vault's secrets: the list (searched, a page at a time), a new secret, one secret, or the deleted ones. */
export function SecretsView({ vaultName, deleted, secretName }: { vaultName: string; deleted: boolean; secretName: string | null }) {
  if (secretName) return <SecretDetail vaultName={vaultName} secretName={secretName} />;
  if (deleted) return <DeletedObjects vaultName={vaultName} kind="secrets" />;
  return <SecretList vaultName={vaultName} />;
}

function SecretList({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const [creating, setCreating] = useState(false);
  const [search, setSearch] = useState("");
  const list: Listing<SecretItem> = usePagedList<SecretItem>(() => api.vault(vaultName, "GET", "/secrets?maxresults=25"), [vaultName]);
  const shown = list.items.filter((item) => lastPart(item.id).toLowerCase().includes(search.toLowerCase()));
  return (
    <div>
      <div class="title-row">
        <h2>Secrets</h2>
        <a href={href("vaults", vaultName, "deleted-secrets")}>Deleted secrets</a>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New secret
        </button>
      </div>
      {creating ? (
        <NewSecretForm
          vaultName={vaultName}
          onDone={(name) => {
            setCreating(false);
            if (name) navigate("vaults", vaultName, "secrets", name);
          }}
        />
      ) : null}
      <Field label="Search">
        <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="Part of a name" />
      </Field>
      <ErrorNotice error={list.error} />
      {list.loading && list.items.length === 0 ? <Loading /> : null}
      {!list.loading && !list.error && shown.length === 0 ? <p>No secrets{search ? " match" : " yet"}.</p> : null}
      {shown.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Content type</th>
              <th scope="col">Enabled</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((item) => (
              <tr key={item.id}>
                <td>
                  <a href={href("vaults", vaultName, "secrets", lastPart(item.id))}>{lastPart(item.id)}</a>
                </td>
                <td>{item.contentType ?? ""}</td>
                <td>{item.attributes.enabled ? "Yes" : "No"}</td>
                <td>{when(item.attributes.updated)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.more ? (
        <button type="button" onClick={list.loadMore} disabled={list.loading}>
          Load more
        </button>
      ) : null}
    </div>
  );
}

function NewSecretForm({ vaultName, onDone }: { vaultName: string; onDone: (created: string | null) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [contentType, setContentType] = useState("");
  const [tags, setTags] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.vault(vaultName, "PUT", `/secrets/${encodeURIComponent(name)}`, {
        value,
        ...(contentType && { contentType }),
        ...(tags.trim() && { tags: parseTags(tags) }),
      });
      onDone(name);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="New secret">
      <Field label="Name" hint="1–127 letters, digits and hyphens">
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern={"[0-9a-zA-Z\\-]{1,127}"} />
      </Field>
      <Field label="Value">
        <textarea value={value} onInput={(e) => setValue(e.currentTarget.value)} required rows={3} autocomplete="off" spellcheck={false} />
      </Field>
      <Field label="Content type" hint="Optional, e.g. text/plain">
        <input value={contentType} onInput={(e) => setContentType(e.currentTarget.value)} />
      </Field>
      <Field label="Tags" hint="Optional, one key=value per line">
        <textarea value={tags} onInput={(e) => setTags(e.currentTarget.value)} rows={2} />
      </Field>
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Create
        </button>
      </div>
    </form>
  );
}
