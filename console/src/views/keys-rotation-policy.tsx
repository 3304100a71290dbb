import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, Loading, useAction, useLoad, when } from "../ui.js";

interface LifetimeAction {
  trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string };
  action: { type: string };
}

export interface RotationPolicy {
  lifetimeActions: LifetimeAction[];
  attributes: { expiryTime?: string; updated?: number };
}

const DURATION_HINT = "An ISO 8601 duration, e.g. P90D (90 days), P1Y, P3M";

/** The key's rotation policy (GET /keys/NAME/rotationpolicy), shown as it is and edited on request. */
export function RotationPolicyPanel({ vaultName, keyName }: { vaultName: string; keyName: string }) {
  const { api } = useConsole();
  const path = `/keys/${encodeURIComponent(keyName)}/rotationpolicy`;
  const policy = useLoad(() => api.vault<RotationPolicy>(vaultName, "GET", path), [vaultName, keyName]);
  const [editing, setEditing] = useState(false);
  return (
    <section class="panel" aria-labelledby="rotation-policy-title">
      <div class="title-row">
        <h3 id="rotation-policy-title">Rotation policy</h3>
        {policy.data && !editing ? (
          <button type="button" onClick={() => setEditing(true)}>
            Edit rotation policy
          </button>
        ) : null}
      </div>
      <ErrorNotice error={policy.error} />
      {!policy.data && !policy.error ? <Loading /> : null}
      {policy.data && !editing ? <PolicySummary policy={policy.data} /> : null}
      {policy.data && editing ? (
        <PolicyForm
          vaultName={vaultName}
          path={path}
          policy={policy.data}
          onDone={(saved) => {
            setEditing(false);
            if (saved) policy.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function triggerText(trigger: LifetimeAction["trigger"]): string {
  if (trigger.timeAfterCreate) return `${trigger.timeAfterCreate} after creation`;
  if (trigger.timeBeforeExpiry) return `${trigger.timeBeforeExpiry} before expiry`;
  return "";
}

function PolicySummary({ policy }: { policy: RotationPolicy }) {
  return (
    <>
      <p>
        New versions expire after: {policy.attributes.expiryTime ?? <span class="muted">never</span>}
        {policy.attributes.updated ? <span class="muted"> (updated {when(policy.attributes.updated)})</span> : null}
      </p>
      {policy.lifetimeActions.length === 0 ? (
        <p>No automatic action.</p>
      ) : (
        <table aria-label="Lifetime actions">
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {policy.lifetimeActions.map((a) => (
              <tr key={a.action.type}>
                <td>{a.action.type}</td>
                <td>{triggerText(a.trigger)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const findAction = (policy: RotationPolicy, type: string) => policy.lifetimeActions.find((a) => a.action.type.toLowerCase() === type);

/**
 * The policy's form: at most one Rotate action (after creation or before expiry), one Notify action (before expiry
 * only, as Key Vault allows) and the expiry of new versions. Saving replaces the whole policy (PUT).
 */
function PolicyForm(props: { vaultName: string; path: string; policy: RotationPolicy; onDone: (saved: boolean) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const rotate = findAction(props.policy, "rotate");
  const notify = findAction(props.policy, "notify");
  const [rotating, setRotating] = useState(rotate !== undefined);
  const [rotateWhen, setRotateWhen] = useState(rotate?.trigger.timeBeforeExpiry ? "timeBeforeExpiry" : "timeAfterCreate");
  const [rotateTime, setRotateTime] = useState(rotate?.trigger.timeAfterCreate ?? rotate?.trigger.timeBeforeExpiry ?? "");
  const [notifyTime, setNotifyTime] = useState(notify?.trigger.timeBeforeExpiry ?? "");
  const [expiryTime, setExpiryTime] = useState(props.policy.attributes.expiryTime ?? "");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const lifetimeActions: LifetimeAction[] = [];
      if (rotating) lifetimeActions.push({ trigger: { [rotateWhen]: rotateTime.trim() }, action: { type: "Rotate" } });
      if (notifyTime.trim()) lifetimeActions.push({ trigger: { timeBeforeExpiry: notifyTime.trim() }, action: { type: "Notify" } });
      await api.vault(props.vaultName, "PUT", props.path, {
        lifetimeActions,
        attributes: { expiryTime: expiryTime.trim() || null },
      });
      props.onDone(true);
    });
  };
  return (
    <form onSubmit={submit} aria-label="Rotation policy">
      <label class="check">
        <input type="checkbox" checked={rotating} onChange={(e) => setRotating(e.currentTarget.checked)} /> Rotate automatically
      </label>
      {rotating ? (
        <>
          <Field label="Rotate when">
            <select value={rotateWhen} onChange={(e) => setRotateWhen(e.currentTarget.value)}>
              <option value="timeAfterCreate">After creation</option>
              <option value="timeBeforeExpiry">Before expiry</option>
            </select>
          </Field>
          <Field label="Rotation time" hint={DURATION_HINT}>
            <input value={rotateTime} onInput={(e) => setRotateTime(e.currentTarget.value)} required pattern="P.+" />
          </Field>
        </>
      ) : null}
      <Field label="Notify before expiry" hint={`Optional. ${DURATION_HINT}`}>
        <input value={notifyTime} onInput={(e) => setNotifyTime(e.currentTarget.value)} pattern="P.+" />
      </Field>
      <Field label="New versions expire after" hint={`Optional. ${DURATION_HINT}`}>
        <input value={expiryTime} onInput={(e) => setExpiryTime(e.currentTarget.value)} pattern="P.+" />
      </Field>
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
