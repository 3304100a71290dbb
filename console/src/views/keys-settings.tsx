import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, parseTags, tagsText, useAction } from "../ui.js";
import type { KeyBundle } from "./keys.js";
import { OperationsField, dateInput, epochOf } from "./keys-form.js";

/** The current version's attributes, tags and permitted operations (PATCH /keys/NAME/VERSION). */
export function KeySettingsForm({ vaultName, bundle, onSaved }: { vaultName: string; bundle: KeyBundle; onSaved: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [enabled, setEnabled] = useState(bundle.attributes.enabled);
  const [notBefore, setNotBefore] = useState(dateInput(bundle.attributes.nbf));
  const [expires, setExpires] = useState(dateInput(bundle.attributes.exp));
  const [ops, setOps] = useState<string[]>(bundle.key.key_ops ?? []);
  const [tags, setTags] = useState(tagsText(bundle.tags));
  const [saved, setSaved] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    void action.run(async () => {
      await api.vault(vaultName, "PATCH", new URL(bundle.key.kid!).pathname, {
        attributes: { enabled, exp: epochOf(expires), nbf: epochOf(notBefore) },
        key_ops: ops,
        tags: parseTags(tags),
      });
      setSaved(true);
      onSaved();
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="Current version's settings">
      <h3>Current version's settings</h3>
      <label class="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} /> Enabled
      </label>
      <Field label="Not before">
        <input type="datetime-local" value={notBefore} onInput={(e) => setNotBefore(e.currentTarget.value)} />
      </Field>
      <Field label="Expires">
        <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
      </Field>
      <OperationsField value={ops} onChange={setOps} />
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
