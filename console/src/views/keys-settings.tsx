import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, parseTags, tagsText, useAction } from "../ui.js";
import type { KeyBundle } from "./keys.js";
import { OperationsField } from "./keys-form.js";
import { useValidityFields } from "./validity-fields.js";

/** The current version's attributes, tags and permitted operations (PATCH /keys/NAME/VERSION). */
export function KeySettingsForm({ vaultName, bundle, onSaved }: { vaultName: string; bundle: KeyBundle; onSaved: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const validity = useValidityFields(bundle.attributes);
  const [ops, setOps] = useState<string[]>(bundle.key.key_ops ?? []);
  const [tags, setTags] = useState(tagsText(bundle.tags));
  const [saved, setSaved] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    void action.run(async () => {
      await api.vault(vaultName, "PATCH", new URL(bundle.key.kid!).pathname, {
        attributes: validity.attributes(),
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
      {validity.fields}
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
