import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, useAction } from "../ui.js";
import type { PrincipalItem } from "./principals-data.js";

/** A new user: user name, display name and first password (the server stores only a slow hash of it). */
export function NewUserForm({ onDone }: { onDone: (created: boolean) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [userName, setUserName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.admin("POST", "/keyhold/users", { userName, ...(displayName && { displayName }), password });
      onDone(true);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="New user">
      <h3>New user</h3>
      <Field label="User name" hint="e.g. alice@example.org">
        <input value={userName} onInput={(e) => setUserName(e.currentTarget.value)} required autocomplete="off" />
      </Field>
      <Field label="Display name" hint="Optional">
        <input value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} autocomplete="off" />
      </Field>
      <Field label="Password">
        <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required autocomplete="new-password" />
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

/** A user's new password; the old one stops working at once. */
export function SetPasswordForm({ user, onDone }: { user: PrincipalItem; onDone: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [password, setPassword] = useState("");
  const [saved, setSaved] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.admin("PUT", `/keyhold/users/${encodeURIComponent(user.id)}/password`, { password });
      setPassword("");
      setSaved(true);
    });
  };
  return (
    <form onSubmit={submit} aria-label={`New password of ${user.userName ?? user.displayName}`}>
      <Field label="New password">
        <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required autocomplete="new-password" />
      </Field>
      <ErrorNotice error={action.error} />
      {saved ? <p role="status">Password changed.</p> : null}
      <div class="row-actions">
        <button type="submit" class="primary" disabled={action.busy}>
          Save password
        </button>
        <button type="button" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}

interface CreatedServicePrincipal {
  clientId: string;
  clientSecret: string;
  displayName: string;
  authorityHost: string;
}

/**
 * A new service principal. Its client secret is in the one answer that creates it and nowhere else: it is shown
 * once, with a Copy button, and forgotten when the panel closes.
 */
export function NewServicePrincipalForm({ onCreated, onClose }: { onCreated: () => void; onClose: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [displayName, setDisplayName] = useState("");
  const [created, setCreated] = useState<CreatedServicePrincipal | null>(null);
  const [copied, setCopied] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      setCreated(await api.admin<CreatedServicePrincipal>("POST", "/keyhold/principals", { displayName }));
      onCreated();
    });
  };
  if (created) {
    return (
      <section class="panel" aria-label="New service principal's secret">
        <h3>{created.displayName} was created</h3>
        <p>
          <strong>Copy the client secret now: it is shown only this once.</strong>
        </p>
        <dl class="settings-facts">
          <dt>Client id</dt>
          <dd>
            <code>{created.clientId}</code>
          </dd>
          <dt>Client secret</dt>
          <dd>
            <code class="secret-value">{created.clientSecret}</code>
          </dd>
          <dt>Authority host</dt>
          <dd>
            <code>{created.authorityHost}</code>
          </dd>
        </dl>
        <ErrorNotice error={action.error} />
        <div class="row-actions">
          <button
            type="button"
            onClick={() =>
              void action.run(async () => {
                await navigator.clipboard.writeText(created.clientSecret);
                setCopied(true);
              })
            }
          >
            Copy
          </button>
          {copied ? <span role="status">Copied.</span> : null}
          <button type="button" class="primary" onClick={onClose}>
            Done
          </button>
        </div>
      </section>
    );
  }
  return (
    <form class="panel" onSubmit={submit} aria-label="New service principal">
      <h3>New service principal</h3>
      <Field label="Display name">
        <input value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} required autocomplete="off" />
      </Field>
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Create
        </button>
      </div>
    </form>
  );
}
