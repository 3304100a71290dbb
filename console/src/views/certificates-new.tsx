import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { DEFAULT_POLICY, type PolicyFields, policyJsonOf } from "../certificates-policy.js";
import { ErrorNotice, Field, parseTags, useAction } from "../ui.js";
import { PolicyFieldset } from "./certificates-policy-form.js";

/** A new certificate by its policy (POST …/create); its detail page then follows the operation. */
export function NewCertificateForm({ vaultName, onDone }: { vaultName: string; onDone: (created: string | null) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [name, setName] = useState("");
  const [policy, setPolicy] = useState<PolicyFields>(DEFAULT_POLICY);
  const [tags, setTags] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api.vault(vaultName, "POST", `/certificates/${encodeURIComponent(name)}/create`, {
        policy: policyJsonOf(policy),
        ...(tags.trim() && { tags: parseTags(tags) }),
      });
      onDone(name);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="New certificate">
      <h3>New certificate</h3>
      <Field label="Name" hint="1–127 letters, digits and hyphens">
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern={"[0-9a-zA-Z\\-]{1,127}"} />
      </Field>
      <PolicyFieldset vaultName={vaultName} fields={policy} onChange={setPolicy} />
      <Field label="Tags" hint="Optional, one key=value per line">
        <textarea value={tags} onInput={(e) => setTags(e.currentTarget.value)} rows={2} />
      </Field>
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
