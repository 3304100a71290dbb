import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { privatePemToJwk } from "../keys-pem.js";
import { ErrorNotice, Field, parseTags, useAction } from "../ui.js";
import { OperationsField, defaultOperations } from "./keys-form.js";
import { epochOf } from "./validity-fields.js";

/**
 * An existing private key brought into the vault (PUT /keys/NAME): the browser reads the pasted PKCS#8 PEM with
 * WebCrypto and sends it as a JWK. The pasted text stays in this form's memory only and is cleared once imported.
 */
export function ImportKeyForm({ vaultName, onDone }: { vaultName: string; onDone: (imported: string | null) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [name, setName] = useState("");
  const [pem, setPem] = useState("");
  const [ops, setOps] = useState<string[]>(defaultOperations("RSA"));
  const [opsChosen, setOpsChosen] = useState(false);
  const [expires, setExpires] = useState("");
  const [tags, setTags] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const jwk = await privatePemToJwk(pem);
      const exp = epochOf(expires);
      await api.vault(vaultName, "PUT", `/keys/${encodeURIComponent(name)}`, {
        key: { ...jwk, key_ops: opsChosen ? ops : defaultOperations(jwk.kty ?? "") },
        ...(exp !== null && { attributes: { exp } }),
        ...(tags.trim() && { tags: parseTags(tags) }),
      });
      setPem("");
      onDone(name);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="Import key">
      <Field label="Name" hint="1–127 letters, digits and hyphens">
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern={"[0-9a-zA-Z\\-]{1,127}"} />
      </Field>
      <Field
        label="Private key (PEM)"
        hint={
          "PKCS#8 (-----BEGIN PRIVATE KEY-----), RSA or EC on P-256, P-384 or P-521. " +
          "The browser cannot read P-256K keys: import those with the SDK or the CLI."
        }
      >
        <textarea value={pem} onInput={(e) => setPem(e.currentTarget.value)} required rows={6} autocomplete="off" spellcheck={false} />
      </Field>
      <OperationsField
        value={ops}
        onChange={(chosen) => {
          setOps(chosen);
          setOpsChosen(true);
        }}
      />
      {opsChosen ? null : <p class="muted">Unless changed here, an EC key permits sign and verify only.</p>}
      <Field label="Expires" hint="Optional">
        <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
      </Field>
      <Field label="Tags" hint="Optional, one key=value per line">
        <textarea value={tags} onInput={(e) => setTags(e.currentTarget.value)} rows={2} />
      </Field>
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Import
        </button>
      </div>
    </form>
  );
}
