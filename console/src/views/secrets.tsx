import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href, navigate } from "../router.js";
import { ErrorNotice, Field, parseTags, useAction, when } from "../ui.js";
import { DeletedObjects } from "./deleted-objects.js";
import { SecretDetail } from "./secret-detail.js";
import { type Listing, usePagedList } from "./paged-list.js";
import { type Column, SearchableList } from "./searchable-list.js";

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

const SECRET_COLUMNS: readonly Column<SecretItem>[] = [
  { header: "Content type", cell: (item) => item.contentType ?? "" },
  { header: "Enabled", cell: (item) => (item.attributes.enabled ? "Yes" : "No") },
  { header: "Updated", cell: (item) => when(item.attributes.updated) },
];

function SecretList({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const [creating, setCreating] = useState(false);
  const list: Listing<SecretItem> = usePagedList<SecretItem>(() => api.vault(vaultName, "GET", "/secrets?maxresults=25"), [vaultName]);
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
      <SearchableList list={list} vaultName={vaultName} kind="secrets" idOf={(item) => item.id} columns={SECRET_COLUMNS} />
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
