import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href, navigate } from "../router.js";
import { ErrorNotice, Field, Loading, download, lastPart, parseTags, tagsText, useAction, when } from "../ui.js";
import { usePagedList } from "./paged-list.js";
import { useValidityFields } from "./validity-fields.js";
import type { SecretItem } from "./secrets.js";

interface SecretBundle extends SecretItem {
  value: string;
}

/**
 * One secret: its versions, each value shown only when asked for (every reveal is a read the audit log records),
 * a new version, the latest version's attributes and tags, and deletion.
 */
export function SecretDetail({ vaultName, secretName }: { vaultName: string; secretName: string }) {
  const { api } = useConsole();
  const path = `/secrets/${encodeURIComponent(secretName)}`;
  const versions = usePagedList<SecretItem>(() => api.vault(vaultName, "GET", `${path}/versions?maxresults=25`), [vaultName, secretName]);
  const [adding, setAdding] = useState(false);
  const remove = useAction();
  const sorted = [...versions.items].sort((a, b) => b.attributes.created - a.attributes.created);
  const latest = sorted[0];
  return (
    <div>
      <p class="crumbs">
        <a href={href("vaults", vaultName, "secrets")}>Secrets</a> /
      </p>
      <div class="title-row">
        <h2>{secretName}</h2>
        <button type="button" onClick={() => setAdding(true)}>
          New version
        </button>
        <button
          type="button"
          class="danger"
          disabled={remove.busy}
          onClick={() =>
            void remove.run(async () => {
              await api.vault(vaultName, "DELETE", path);
              navigate("vaults", vaultName, "deleted-secrets");
            })
          }
        >
          Delete
        </button>
      </div>
      <ErrorNotice error={remove.error} />
      {adding ? (
        <NewVersionForm
          vaultName={vaultName}
          path={path}
          onDone={(added) => {
            setAdding(false);
            if (added) versions.reload();
          }}
        />
      ) : null}
      <ErrorNotice error={versions.error} />
      {versions.loading && sorted.length === 0 ? <Loading /> : null}
      {sorted.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Enabled</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((version) => (
              <tr key={version.id}>
                <td>
                  <code>{lastPart(version.id)}</code>
                  {version === latest ? <span class="badge">current</span> : null}
                </td>
                <td>{version.attributes.enabled ? "Yes" : "No"}</td>
                <td>{when(version.attributes.created)}</td>
                <td>{when(version.attributes.exp)}</td>
                <td>
                  <RevealValue vaultName={vaultName} path={`${path}/${lastPart(version.id)}`} fileName={secretName} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {versions.more ? (
        <button type="button" onClick={versions.loadMore}>
          Load more
        </button>
      ) : null}
      {latest ? <AttributesForm key={latest.id} vaultName={vaultName} version={latest} onSaved={versions.reload} /> : null}
    </div>
  );
}

/** A version's value, read when the user clicks Reveal; then copied or downloaded, and hidden again. */
function RevealValue({ vaultName, path, fileName }: { vaultName: string; path: string; fileName: string }) {
  const { api } = useConsole();
  const action = useAction();
  const [value, setValue] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  if (value === null) {
    return (
      <span>
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              setValue((await api.vault<SecretBundle>(vaultName, "GET", path)).value);
            })
          }
        >
          Reveal
        </button>
        <ErrorNotice error={action.error} />
      </span>
    );
  }
  return (
    <span class="revealed">
      <output class="secret-value">{value}</output>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? "Copied" : "Copy"}
      </button>
      <button type="button" onClick={() => download(fileName, value, "text/plain")}>
        Download
      </button>
      <button type="button" onClick={() => setValue(null)}>
        Hide
      </button>
    </span>
  );
}

function NewVersionForm({ vaultName, path, onDone }: { vaultName: string; path: string; onDone: (added: boolean) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [value, setValue] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.vault(vaultName, "PUT", path, { value });
      onDone(true);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="New version">
      <Field label="Value">
        <textarea value={value} onInput={(e) => setValue(e.currentTarget.value)} required rows={3} autocomplete="off" spellcheck={false} />
      </Field>
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Create
        </button>
      </div>
    </form>
  );
}

/** The current version's attributes and tags (PATCH /secrets/NAME/VERSION). */
function AttributesForm({ vaultName, version, onSaved }: { vaultName: string; version: SecretItem; onSaved: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const validity = useValidityFields(version.attributes);
  const [contentType, setContentType] = useState(version.contentType ?? "");
  const [tags, setTags] = useState(tagsText(version.tags));
  const [saved, setSaved] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    void action.run(async () => {
      await api.vault(vaultName, "PATCH", new URL(version.id).pathname, {
        attributes: validity.attributes(),
        contentType,
        tags: parseTags(tags),
      });
      setSaved(true);
      onSaved();
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="Current version's settings">
      <h3>Current version's settings</h3>
      {validity.fields}
      <Field label="Content type">
        <input value={contentType} onInput={(e) => setContentType(e.currentTarget.value)} />
      </Field>
      <Field label="Tags" hint="One key=value per line">
        <textarea value={tags} onInput={(e) => setTags(e.currentTarget.value)} rows={3} />
      </Field>
      <ErrorNotice error={action.error} />
      {saved ? <p role="status">Saved.</p> : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          Save
        </button>
      </div>
    </form>
  );
}
