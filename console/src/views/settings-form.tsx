import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, useAction } from "../ui.js";
import { type VaultJson, vaultPath } from "./settings-vault.js";

/**
 * What `PATCH /keyhold/vaults/NAME` may change: tier, permission model, and purge protection, which can be turned on
 * but never off again. Only the fields changed are sent. The retention period is fixed once the vault exists.
 */
export function SettingsForm({ vault, onSaved }: { vault: VaultJson; onSaved: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const current = vault.properties;
  const [sku, setSku] = useState(current.sku.name);
  const [rbac, setRbac] = useState(current.enableRbacAuthorization);
  const [purgeProtection, setPurgeProtection] = useState(current.enablePurgeProtection === true);
  const [saved, setSaved] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    void action.run(async () => {
      await api.admin("PATCH", vaultPath(vault.name), {
        ...(sku !== current.sku.name && { sku }),
        ...(rbac !== current.enableRbacAuthorization && { enableRbacAuthorization: rbac }),
        ...(purgeProtection && !current.enablePurgeProtection && { enablePurgeProtection: true }),
      });
      setSaved(true);
      onSaved();
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="Change settings">
      <h3>Change settings</h3>
      <Field label="Tier">
        <select value={sku} onChange={(e) => setSku(e.currentTarget.value)}>
          <option value="standard">Standard</option>
          <option value="premium">Premium (HSM-protected keys)</option>
        </select>
      </Field>
      <Field label="Permission model" hint="Who may use the vault changes at once: role assignments or access policies">
        <select value={rbac ? "rbac" : "policies"} onChange={(e) => setRbac(e.currentTarget.value === "rbac")}>
          <option value="rbac">Role-based access control</option>
          <option value="policies">Access policies</option>
        </select>
      </Field>
      <label class="check">
        <input
          type="checkbox"
          checked={purgeProtection}
          disabled={current.enablePurgeProtection === true}
          onChange={(e) => setPurgeProtection(e.currentTarget.checked)}
        />{" "}
        Purge protection (cannot be turned off)
      </label>
      <ErrorNotice error={action.error} />
      {saved && !action.busy && !action.error ? <p role="status">Saved.</p> : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          Save settings
        </button>
      </div>
    </form>
  );
}
