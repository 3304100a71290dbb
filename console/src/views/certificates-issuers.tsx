import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { href } from "../router.js";
import { ErrorNotice, Field, Loading, lastPart, useAction } from "../ui.js";
import { usePagedList } from "./paged-list.js";

interface IssuerItem {
  id: string;
  provider: string;
}

interface IssuerBundle extends IssuerItem {
  credentials?: { account_id?: string };
  org_details?: { id?: string };
  attributes?: { enabled?: boolean };
}

/**
 * The vault's certificate issuers: who signs the certificates whose policy names them. Provider `Keyhold` is the
 * deployment's own CA; other providers' certificates are signed outside and merged.
 */
export function CertificateIssuers({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const list = usePagedList<IssuerItem>(() => api.vault(vaultName, "GET", "/certificates/issuers?maxresults=25"), [vaultName]);
  const action = useAction();
  const [editing, setEditing] = useState<IssuerBundle | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const path = (name: string) => `/certificates/issuers/${encodeURIComponent(name)}`;
  const act = (work: () => Promise<void>) =>
    void action.run(async () => {
      await work();
      setDeleting(null);
      list.reload();
    });
  return (
    <div>
      <p class="crumbs">
        <a href={href("vaults", vaultName, "certificates")}>Certificates</a> /
      </p>
      <div class="title-row">
        <h2>Issuers</h2>
        <button type="button" class="primary" onClick={() => setEditing({ id: "", provider: "" })}>
          New issuer
        </button>
      </div>
      {editing ? (
        <IssuerForm
          key={editing.id}
          vaultName={vaultName}
          issuer={editing}
          onDone={(saved) => {
            setEditing(null);
            if (saved) list.reload();
          }}
        />
      ) : null}
      <ErrorNotice error={list.error ?? action.error} />
      {list.loading && list.items.length === 0 ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? <p>No issuers.</p> : null}
      {list.items.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Provider</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((item) => {
              const name = lastPart(item.id);
              return (
                <tr key={item.id}>
                  <td>{name}</td>
                  <td>{item.provider}</td>
                  <td class="row-actions">
                    <button
                      type="button"
                      aria-label={`Edit ${name}`}
                      disabled={action.busy}
                      onClick={() => act(async () => setEditing(await api.vault<IssuerBundle>(vaultName, "GET", path(name))))}
                    >
                      Edit
                    </button>
                    {deleting === name ? (
                      <>
                        <span>Delete the issuer {name}?</span>
                        <button
                          type="button"
                          class="danger"
                          disabled={action.busy}
                          onClick={() => act(() => api.vault(vaultName, "DELETE", path(name)))}
                        >
                          Delete for good
                        </button>
                        <button type="button" onClick={() => setDeleting(null)}>
                          Cancel
                        </button>
                      </>
                    ) : (
                      <button type="button" class="danger" aria-label={`Delete ${name}`} onClick={() => setDeleting(name)}>
                        Delete
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

/**
 * A new issuer (PUT) or changes to one (PATCH, which keeps what is not sent). The password is write-only: never
 * shown, and kept when left empty.
 */
function IssuerForm({ vaultName, issuer, onDone }: { vaultName: string; issuer: IssuerBundle; onDone: (saved: boolean) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const existing = issuer.id !== "";
  const [name, setName] = useState(existing ? lastPart(issuer.id) : "");
  const [provider, setProvider] = useState(issuer.provider);
  const [accountId, setAccountId] = useState(issuer.credentials?.account_id ?? "");
  const [password, setPassword] = useState("");
  const [organization, setOrganization] = useState(issuer.org_details?.id ?? "");
  const [enabled, setEnabled] = useState(issuer.attributes?.enabled ?? true);
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.vault(vaultName, existing ? "PATCH" : "PUT", `/certificates/issuers/${encodeURIComponent(name)}`, {
        provider,
        ...((accountId || password) && {
          credentials: { ...(accountId && { account_id: accountId }), ...(password && { pwd: password }) },
        }),
        ...(organization && { org_details: { id: organization } }),
        attributes: { enabled },
      });
      onDone(true);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="Issuer">
      <Field label="Issuer name" hint="1–127 letters, digits and hyphens">
        <input
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          required
          readOnly={existing}
          pattern={"[0-9a-zA-Z\\-]{1,127}"}
        />
      </Field>
      <Field label="Provider" hint="Keyhold (the built-in CA), or an outside one such as DigiCert">
        <input value={provider} onInput={(e) => setProvider(e.currentTarget.value)} required />
      </Field>
      <Field label="Account ID">
        <input value={accountId} onInput={(e) => setAccountId(e.currentTarget.value)} />
      </Field>
      <Field label="Account password" hint={existing ? "Never shown; leave empty to keep the stored one" : "Optional"}>
        <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autocomplete="off" />
      </Field>
      <Field label="Organization ID">
        <input value={organization} onInput={(e) => setOrganization(e.currentTarget.value)} />
      </Field>
      <label class="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Enabled
      </label>
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Save
        </button>
      </div>
    </form>
  );
}
