import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import type { Me } from "../me.js";
import { href, navigate } from "../router.js";
import { ErrorNotice, Field, useAction } from "../ui.js";

/** The vaults the user may use; an administrator also creates vaults here. */
export function VaultList({ me, onChange }: { me: Me; onChange: () => void }) {
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby="vaults-title">
      <div class="title-row">
        <h1 id="vaults-title">Vaults</h1>
        {me.administrator ? <a href={href("deleted-vaults")}>Deleted vaults</a> : null}
        {me.administrator ? (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New vault
          </button>
        ) : null}
      </div>
      {creating ? (
        <NewVaultForm
          onDone={(name) => {
            setCreating(false);
            onChange();
            if (name) navigate("vaults", name);
          }}
        />
      ) : null}
      {me.vaults.length === 0 ? (
        <p>You have no access to any vault yet. Ask an administrator for a role on one.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Tier</th>
              <th scope="col">Permission model</th>
            </tr>
          </thead>
          <tbody>
            {me.vaults.map((vault) => (
              <tr key={vault.name}>
                <td>
                  <a href={href("vaults", vault.name)}>{vault.name}</a>
                </td>
                <td>{vault.sku}</td>
                <td>{vault.enableRbacAuthorization ? "Role-based access control" : "Access policies"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewVaultForm({ onDone }: { onDone: (created: string | null) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [name, setName] = useState("");
  const [sku, setSku] = useState("standard");
  const [rbac, setRbac] = useState(true);
  const [retention, setRetention] = useState("90");
  const [purgeProtection, setPurgeProtection] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.admin("PUT", `/keyhold/vaults/${encodeURIComponent(name)}`, {
        sku,
        enableRbacAuthorization: rbac,
        softDeleteRetentionInDays: Number(retention),
        enablePurgeProtection: purgeProtection || undefined,
      });
      onDone(name);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="New vault">
      <Field label="Name" hint="3–24 letters, digits and hyphens">
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern={"[A-Za-z0-9\\-]{3,24}"} />
      </Field>
      <Field label="Tier">
        <select value={sku} onChange={(e) => setSku(e.currentTarget.value)}>
          <option value="standard">Standard</option>
          <option value="premium">Premium (HSM-protected keys)</option>
        </select>
      </Field>
      <Field label="Permission model">
        <select value={rbac ? "rbac" : "policies"} onChange={(e) => setRbac(e.currentTarget.value === "rbac")}>
          <option value="rbac">Role-based access control</option>
          <option value="policies">Access policies</option>
        </select>
      </Field>
      <Field label="Days to keep deleted items" hint="7 to 90; fixed once the vault exists">
        <input type="number" min={7} max={90} value={retention} onInput={(e) => setRetention(e.currentTarget.value)} required />
      </Field>
      <label class="check">
        <input type="checkbox" checked={purgeProtection} onChange={(e) => setPurgeProtection(e.currentTarget.checked)} /> Purge protection
        (cannot be turned off)
      </label>
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
