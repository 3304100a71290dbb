import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Loading, useAction } from "../ui.js";
import { NewServicePrincipalForm, NewUserForm, SetPasswordForm } from "./principals-forms.js";
import { type PrincipalItem, usePrincipals } from "./principals-data.js";
import { isoWhen } from "./settings-vault.js";

const TYPE_LABELS: Record<string, string> = { user: "User", servicePrincipal: "Service principal", managedIdentity: "Managed identity" };

/** The server's principals and users (an administrator's view): new users and service principals, passwords, deletion. */
export function PrincipalsView() {
  const principals = usePrincipals();
  const [creating, setCreating] = useState<"user" | "servicePrincipal" | null>(null);
  const done = (created: boolean) => {
    setCreating(null);
    if (created) principals.reload();
  };
  return (
    <section aria-labelledby="principals-title">
      <div class="title-row">
        <h1 id="principals-title">Principals</h1>
        <button type="button" class="primary" onClick={() => setCreating("user")}>
          New user
        </button>
        <button type="button" onClick={() => setCreating("servicePrincipal")}>
          New service principal
        </button>
      </div>
      {creating === "user" ? <NewUserForm onDone={done} /> : null}
      {creating === "servicePrincipal" ? <NewServicePrincipalForm onCreated={principals.reload} onClose={() => setCreating(null)} /> : null}
      <ErrorNotice error={principals.error} />
      {!principals.data && !principals.error ? <Loading /> : null}
      {principals.data ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">User name or client id</th>
              <th scope="col">Type</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {principals.data.map((p) => (
              <PrincipalRow key={p.id} principal={p} onDeleted={principals.reload} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** One principal, with its password (users) and deletion, asked twice: its roles and policies stop working. */
function PrincipalRow({ principal, onDeleted }: { principal: PrincipalItem; onDeleted: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [asking, setAsking] = useState(false);
  const [settingPassword, setSettingPassword] = useState(false);
  const name = principal.userName ?? principal.displayName;
  return (
    <tr>
      <td>{principal.displayName}</td>
      <td>
        <code>{principal.userName ?? principal.clientId ?? principal.id}</code>
      </td>
      <td>{TYPE_LABELS[principal.type] ?? principal.type}</td>
      <td>{isoWhen(principal.createdAt)}</td>
      <td>
        <div class="row-actions">
          {principal.type === "user" && !settingPassword ? (
            <button type="button" aria-label={`Set the password of ${name}`} onClick={() => setSettingPassword(true)}>
              Set password
            </button>
          ) : null}
          {asking ? (
            <>
              <span>Delete {name} for good?</span>
              <button
                type="button"
                class="danger"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () => {
                    await api.admin("DELETE", `/keyhold/principals/${encodeURIComponent(principal.id)}`);
                    setAsking(false);
                    onDeleted();
                  })
                }
              >
                Yes, delete {name}
              </button>
              <button type="button" onClick={() => setAsking(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" class="danger" aria-label={`Delete ${name}`} onClick={() => setAsking(true)}>
              Delete
            </button>
          )}
        </div>
        {settingPassword ? <SetPasswordForm user={principal} onDone={() => setSettingPassword(false)} /> : null}
        <ErrorNotice error={action.error} />
      </td>
    </tr>
  );
}
