import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, Loading, useAction, useLoad } from "../ui.js";
import { type PrincipalItem, principalLabel, resolvePrincipalId, usePrincipals } from "./principals-data.js";
import { isoWhen } from "./settings-vault.js";

interface Assignment {
  name: string;
  principalId: string;
  roleDefinitionName: string | null;
  roleDefinitionId: string;
  scope: string;
  createdOn: string | null;
}

interface RoleDefinition {
  name: string;
  roleName: string;
  description: string;
  roleType: string;
}

/** The assignments whose scope is the vault or one of its objects (scopes are lower case on the server). */
export function inVault(assignment: Assignment, vaultName: string): boolean {
  const vault = `/vaults/${vaultName.toLowerCase()}`;
  const scope = assignment.scope.toLowerCase();
  return scope === vault || scope.startsWith(`${vault}/`);
}

/** The part of a scope below the vault, as a person reads it. */
function scopeText(scope: string, vaultName: string): string {
  const below = scope.slice(`/vaults/${vaultName}`.length).replace(/^\//, "");
  return below === "" ? "This vault" : below;
}

/** A vault's role assignments (at the vault or one of its objects): listed, added, removed. */
export function RoleAssignments({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const assignments = useLoad(() => api.admin<Assignment[]>("GET", "/keyhold/roleAssignments"), [vaultName]);
  const principals = usePrincipals();
  const [adding, setAdding] = useState(false);
  const remove = useAction();
  const shown = (assignments.data ?? []).filter((a) => inVault(a, vaultName));
  return (
    <div>
      <div class="title-row">
        <h2>Role assignments</h2>
        {assignments.data && !adding ? (
          <button type="button" class="primary" onClick={() => setAdding(true)}>
            Add role assignment
          </button>
        ) : null}
      </div>
      <p class="muted">This vault uses role-based access control. Roles assigned on the whole server apply here too.</p>
      {adding ? (
        <AddAssignmentForm
          vaultName={vaultName}
          onDone={(added) => {
            setAdding(false);
            if (added) assignments.reload();
          }}
        />
      ) : null}
      <ErrorNotice error={assignments.error ?? remove.error} />
      {!assignments.data && !assignments.error ? <Loading /> : null}
      {assignments.data && shown.length === 0 ? <p>No roles are assigned on this vault.</p> : null}
      {shown.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Principal</th>
              <th scope="col">Role</th>
              <th scope="col">Scope</th>
              <th scope="col">Assigned</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((a) => (
              <tr key={a.name}>
                <td>{principalLabel(a.principalId, principals.data)}</td>
                <td>{a.roleDefinitionName ?? a.roleDefinitionId}</td>
                <td>{scopeText(a.scope, vaultName.toLowerCase())}</td>
                <td>{isoWhen(a.createdOn)}</td>
                <td>
                  <button
                    type="button"
                    disabled={remove.busy}
                    aria-label={`Remove ${a.roleDefinitionName ?? "role"} from ${principalLabel(a.principalId, principals.data)}`}
                    onClick={() =>
                      void remove.run(async () => {
                        await api.admin("DELETE", `/keyhold/roleAssignments/${encodeURIComponent(a.name)}`);
                        assignments.reload();
                      })
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/** A role, an assignee (a user name or a principal id) and a scope: the vault, or one secret, key or certificate in it. */
function AddAssignmentForm({ vaultName, onDone }: { vaultName: string; onDone: (added: boolean) => void }) {
  const { api } = useConsole();
  const roles = useLoad(() => api.admin<RoleDefinition[]>("GET", "/keyhold/roleDefinitions"), []);
  const principals = usePrincipals();
  const action = useAction();
  const [role, setRole] = useState("");
  const [assignee, setAssignee] = useState("");
  const [collection, setCollection] = useState("");
  const [objectName, setObjectName] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const principalId = await resolvePrincipalId(api, assignee);
      const scope = `/vaults/${vaultName}${collection ? `/${collection}/${objectName}` : ""}`;
      await api.admin("POST", "/keyhold/roleAssignments", { principalId, role, scope });
      onDone(true);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="Add role assignment">
      <ErrorNotice error={roles.error} />
      <Field label="Role">
        <select value={role} onChange={(e) => setRole(e.currentTarget.value)} required>
          <option value="">Choose a role</option>
          {(roles.data ?? []).map((r) => (
            <option key={r.name} value={r.name} title={r.description}>
              {r.roleName}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Assignee" hint="A user name (alice@example.org) or a principal id">
        <input value={assignee} onInput={(e) => setAssignee(e.currentTarget.value)} required list="access-principals" autocomplete="off" />
      </Field>
      <PrincipalOptions principals={principals.data} />
      <Field label="Scope">
        <select value={collection} onChange={(e) => setCollection(e.currentTarget.value)}>
          <option value="">The whole vault</option>
          <option value="secrets">One secret</option>
          <option value="keys">One key</option>
          <option value="certificates">One certificate</option>
        </select>
      </Field>
      {collection ? (
        <Field label="Object name">
          <input value={objectName} onInput={(e) => setObjectName(e.currentTarget.value)} required pattern={"[0-9a-zA-Z\\-]{1,127}"} />
        </Field>
      ) : null}
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Assign
        </button>
      </div>
    </form>
  );
}

/** Suggestions for the assignee field: users by user name, others by id (named by their display name). */
export function PrincipalOptions({ principals }: { principals: readonly PrincipalItem[] | null }) {
  return (
    <datalist id="access-principals">
      {(principals ?? []).map((p) => (
        <option key={p.id} value={p.userName ?? p.id}>
          {p.displayName}
        </option>
      ))}
    </datalist>
  );
}
