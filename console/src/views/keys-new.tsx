import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { ErrorNotice, Field, parseTags, useAction } from "../ui.js";
import { OperationsField, defaultOperations } from "./keys-form.js";
import { epochOf } from "./validity-fields.js";

const KEY_TYPES = ["RSA", "EC", "RSA-HSM", "EC-HSM"] as const;
const RSA_SIZES = ["2048", "3072", "4096"] as const;
const CURVES = ["P-256", "P-384", "P-521", "P-256K"] as const;

/**
 * A key made by the server (POST /keys/NAME/create). The -HSM types are offered as Key Vault offers them; a
 * standard vault refuses them, and its message says why.
 */
export function NewKeyForm({ vaultName, onDone }: { vaultName: string; onDone: (created: string | null) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [name, setName] = useState("");
  const [kty, setKty] = useState<string>("RSA");
  const [size, setSize] = useState<string>("2048");
  const [curve, setCurve] = useState<string>("P-256");
  const [ops, setOps] = useState<string[]>(defaultOperations("RSA"));
  const [expires, setExpires] = useState("");
  const [tags, setTags] = useState("");
  const rsa = kty.startsWith("RSA");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const exp = epochOf(expires);
      await api.vault(vaultName, "POST", `/keys/${encodeURIComponent(name)}/create`, {
        kty,
        ...(rsa ? { key_size: Number(size) } : { crv: curve }),
        key_ops: ops,
        ...(exp !== null && { attributes: { exp } }),
        ...(tags.trim() && { tags: parseTags(tags) }),
      });
      onDone(name);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="New key">
      <Field label="Name" hint="1–127 letters, digits and hyphens">
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern={"[0-9a-zA-Z\\-]{1,127}"} />
      </Field>
      <Field label="Key type" hint="-HSM types need a premium vault">
        <select
          value={kty}
          onChange={(e) => {
            setKty(e.currentTarget.value);
            setOps(defaultOperations(e.currentTarget.value));
          }}
        >
          {KEY_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </Field>
      {rsa ? (
        <Field label="RSA key size">
          <select value={size} onChange={(e) => setSize(e.currentTarget.value)}>
            {RSA_SIZES.map((s) => (
              <option key={s} value={s}>
                {s} bits
              </option>
            ))}
          </select>
        </Field>
      ) : (
        <Field label="Curve">
          <select value={curve} onChange={(e) => setCurve(e.currentTarget.value)}>
            {CURVES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
      )}
      <OperationsField value={ops} onChange={setOps} />
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
          Create
        </button>
      </div>
    </form>
  );
}
