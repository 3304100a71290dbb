import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { base64OfBytes } from "../certificates-files.js";
import { PEM, PKCS12 } from "../certificates-policy.js";
import { ErrorNotice, Field, useAction } from "../ui.js";

/**
 * An existing certificate with its private key (POST …/import): a PFX file, sent as base64 with its password, or
 * PEM text. The PFX is read in the browser and sent straight to the vault; nothing of it is kept.
 */
export function ImportCertificateForm({ vaultName, onDone }: { vaultName: string; onDone: (imported: string | null) => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [name, setName] = useState("");
  const [format, setFormat] = useState<"pfx" | "pem">("pfx");
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState("");
  const [pem, setPem] = useState("");
  const [exportable, setExportable] = useState(true);
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const key_props = { exportable };
      const body =
        format === "pfx"
          ? {
              value: base64OfBytes(new Uint8Array(await (file ?? new Blob()).arrayBuffer())),
              ...(password && { pwd: password }),
              policy: { key_props, secret_props: { contentType: PKCS12 } },
            }
          : { value: pem, policy: { key_props, secret_props: { contentType: PEM } } };
      await api.vault(vaultName, "POST", `/certificates/${encodeURIComponent(name)}/import`, body);
      onDone(name);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-label="Import certificate">
      <h3>Import certificate</h3>
      <Field label="Name" hint="1–127 letters, digits and hyphens">
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern={"[0-9a-zA-Z\\-]{1,127}"} />
      </Field>
      <Field label="Format">
        <select value={format} onChange={(e) => setFormat(e.currentTarget.value === "pem" ? "pem" : "pfx")}>
          <option value="pfx">PFX file (PKCS #12)</option>
          <option value="pem">PEM (certificate and private key)</option>
        </select>
      </Field>
      {format === "pfx" ? (
        <>
          <Field label="PFX file">
            <input type="file" accept=".pfx,.p12" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} required />
          </Field>
          <Field label="PFX password" hint="Empty when the file has none">
            <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autocomplete="off" />
          </Field>
        </>
      ) : (
        <Field label="Certificate and private key (PEM)" hint="The certificate, its chain and one unencrypted private key">
          <textarea value={pem} onInput={(e) => setPem(e.currentTarget.value)} required rows={8} autocomplete="off" spellcheck={false} />
        </Field>
      )}
      <label class="check">
        <input type="checkbox" checked={exportable} onChange={(e) => setExportable(e.currentTarget.checked)} /> Exportable private key
      </label>
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
