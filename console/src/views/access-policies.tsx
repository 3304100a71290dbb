import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, Loading, useAction, useLoad } from "../ui.js";
import { CATEGORY_LABELS, PERMISSIONS, type PermissionCategory, type PolicyPermissions } from "./access-permissions.js";
import { PrincipalOptions } from "./access-roles.js";
import { principalLabel, resolvePrincipalId, usePrincipals } from "./principals-data.js";
import { vaultPath } from "./settings-vault.js";

interface Policy {
  objectId: string;
  permissions: PolicyPermissions;
}

const CATEGORIES: readonly PermissionCategory[] = ["keys", "secrets", "certificates"];

const EMPTY: PolicyPermissions = { keys: [], secrets: [], certificates: [] };

/** A vault's access policies: one per principal, three permission lists each; added, edited, removed. */
export function AccessPolicies({ vaultName }: { vaultName: string }) {
  const { api } = useConsole();
  const base = `${vaultPath(vaultName)}/accessPolicies`;
  const policies = useLoad(() => api.admin<Policy[]>("GET", base), [vaultName]);
  const principals = usePrincipals();
  const [editing, setEditing] = useState<string | null>(null);
  const remove = useAction();
  const done = (changed: boolean) => {
    setEditing(null);
    if (changed) policies.reload();
  };
  const edited = policies.data?.find((p) => p.objectId === editing);
  return (
    <div>
      <div class="title-row">
        <h2>Access policies</h2>
        {policies.data && editing === null ? (
          <button type="button" class="primary" onClick={() => setEditing("")}>
            Add access policy
          </button>
        ) : null}
      </div>
      <p class="muted">This vault uses access policies: each principal holds the permissions its policy lists.</p>
      {editing === "" ? <PolicyForm base={base} principalId={null} permissions={EMPTY} onDone={done} /> : null}
      {edited ? (
        <PolicyForm
          key={edited.objectId}
          base={base}
          principalId={edited.objectId}
          principalName={principalLabel(edited.objectId, principals.data)}
          permissions={edited.permissions}
          onDone={done}
        />
      ) : null}
      <ErrorNotice error={policies.error ?? remove.error} />
      {!policies.data && !policies.error ? <Loading /> : null}
      {policies.data?.length === 0 ? <p>No access policies yet.</p> : null}
      {policies.data && policies.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Principal</th>
              <th scope="col">Keys</th>
              <th scope="col">Secrets</th>
              <th scope="col">Certificates</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {policies.data.map((policy) => {
              const name = principalLabel(policy.objectId, principals.data);
              return (
                <tr key={policy.objectId}>
                  <td>{name}</td>
                  {CATEGORIES.map((c) => (
                    <td key={c}>{policy.permissions[c].join(", ")}</td>
                  ))}
                  <td class="row-actions">
                    <button type="button" aria-label={`Edit the policy of ${name}`} onClick={() => setEditing(policy.objectId)}>
                      Edit
                    </button>
                    <button
                      type="button"
                      disabled={remove.busy}
                      aria-label={`Remove the policy of ${name}`}
                      onClick={() =>
                        void remove.run(async () => {
                          await api.admin("DELETE", `${base}/${encodeURIComponent(policy.objectId)}`);
                          if (editing === policy.objectId) setEditing(null);
                          policies.reload();
                        })
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/** One principal's permissions, a group of check boxes per category; a new policy also names its principal. */
function PolicyForm(props: {
  base: string;
  principalId: string | null;
  principalName?: string;
  permissions: PolicyPermissions;
  onDone: (changed: boolean) => void;
}) {
  const { api } = useConsole();
  const principals = usePrincipals();
  const action = useAction();
  const [assignee, setAssignee] = useState("");
  const [chosen, setChosen] = useState<PolicyPermissions>(props.permissions);
  const toggle = (category: PermissionCategory, permission: string, on: boolean) =>
    setChosen((held) => ({
      ...held,
      [category]: on ? [...held[category], permission] : held[category].filter((p) => p.toLowerCase() !== permission.toLowerCase()),
    }));
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const principalId = props.principalId ?? (await resolvePrincipalId(api, assignee));
      await api.admin("PUT", `${props.base}/${encodeURIComponent(principalId)}`, { permissions: chosen });
      props.onDone(true);
    });
  };
  const title = props.principalId ? `Access policy of ${props.principalName ?? props.principalId}` : "New access policy";
  return (
    <form class="panel" onSubmit={submit} aria-label={title}>
      <h3>{title}</h3>
      {props.principalId ? null : (
        <>
          <Field label="Principal" hint="A user name (alice@example.org) or a principal id">
            <input
              value={assignee}
              onInput={(e) => setAssignee(e.currentTarget.value)}
              required
              list="access-principals"
              autocomplete="off"
            />
          </Field>
          <PrincipalOptions principals={principals.data} />
        </>
      )}
      <div class="access-categories">
        {CATEGORIES.map((category) => (
          <fieldset key={category}>
            <legend>{CATEGORY_LABELS[category]}</legend>
            {PERMISSIONS[category].map((permission) => (
              <label key={permission} class="check">
                <input
                  type="checkbox"
                  checked={chosen[category].some((p) => p.toLowerCase() === permission.toLowerCase())}
                  onChange={(e) => toggle(category, permission, e.currentTarget.checked)}
                />{" "}
                {permission}
              </label>
            ))}
          </fieldset>
        ))}
      </div>
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="button" onClick={() => props.onDone(false)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Save policy
        </button>
      </div>
    </form>
  );
}
