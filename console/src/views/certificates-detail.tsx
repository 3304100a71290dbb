import { useMemo, useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { certificateNames } from "../certificates-der.js";
import { bytesOfBase64, pemOf, thumbprintHex } from "../certificates-files.js";
import { type CertificatePolicyJson, PKCS12 } from "../certificates-policy.js";
import { href, navigate } from "../router.js";
import { ErrorNotice, Field, Loading, download, lastPart, parseTags, tagsText, useAction, useLoad, when } from "../ui.js";
import type { CertificateItem } from "./certificates.js";
import { PendingOperation } from "./certificates-pending.js";
import { PolicyEditor } from "./certificates-policy-editor.js";
import { usePagedList } from "./paged-list.js";

export interface CertificateBundle extends CertificateItem {
  cer?: string;
  sid?: string;
  contentType?: string;
  policy?: CertificatePolicyJson;
  pending?: { id: string };
}

/**
 * One certificate: what it says (read from its DER), its files, its versions, its policy, the latest version's
 * attributes and tags, and deletion. While it waits for its certificate, the pending operation comes first.
 */
export function CertificateDetail({ vaultName, name }: { vaultName: string; name: string }) {
  const { api } = useConsole();
  const path = `/certificates/${encodeURIComponent(name)}`;
  const bundle = useLoad(() => api.vault<CertificateBundle>(vaultName, "GET", path), [vaultName, name]);
  const versions = usePagedList<CertificateItem>(() => api.vault(vaultName, "GET", `${path}/versions?maxresults=25`), [vaultName, name]);
  const remove = useAction();
  const reload = () => {
    bundle.reload();
    versions.reload();
  };
  const latest = bundle.data;
  const sorted = [...versions.items].sort((a, b) => b.attributes.created - a.attributes.created);
  return (
    <div>
      <p class="crumbs">
        <a href={href("vaults", vaultName, "certificates")}>Certificates</a> /
      </p>
      <div class="title-row">
        <h2>{name}</h2>
        <button
          type="button"
          class="danger"
          disabled={remove.busy}
          onClick={() =>
            void remove.run(async () => {
              await api.vault(vaultName, "DELETE", path);
              navigate("vaults", vaultName, "deleted-certificates");
            })
          }
        >
          Delete
        </button>
      </div>
      <ErrorNotice error={remove.error ?? bundle.error} />
      {!latest && !bundle.error ? <Loading /> : null}
      {latest?.pending ? <PendingOperation vaultName={vaultName} name={name} onChanged={reload} /> : null}
      {latest?.cer ? <CertificateProperties vaultName={vaultName} name={name} bundle={latest} /> : null}
      <h3>Versions</h3>
      <ErrorNotice error={versions.error} />
      {sorted.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Thumbprint</th>
              <th scope="col">Enabled</th>
              <th scope="col">Not before</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((version) => (
              <tr key={version.id}>
                <td>
                  <code>{lastPart(version.id)}</code>
                  {latest && lastPart(latest.id) === lastPart(version.id) ? <span class="badge">current</span> : null}
                </td>
                <td>{version.x5t ? <code>{thumbprintHex(version.x5t)}</code> : "Waiting for its certificate"}</td>
                <td>{version.attributes.enabled ? "Yes" : "No"}</td>
                <td>{when(version.attributes.nbf)}</td>
                <td>{when(version.attributes.exp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {versions.more ? (
        <button type="button" onClick={versions.loadMore}>
          Load more
        </button>
      ) : null}
      {latest?.policy ? <PolicyEditor key={latest.id} vaultName={vaultName} name={name} policy={latest.policy} onSaved={reload} /> : null}
      {latest ? <AttributesForm key={latest.id} vaultName={vaultName} bundle={latest} onSaved={reload} /> : null}
    </div>
  );
}

/** The certificate's subject, names, dates and thumbprint, and its files: public ones, and the secret when exportable. */
function CertificateProperties({ vaultName, name, bundle }: { vaultName: string; name: string; bundle: CertificateBundle }) {
  const { api } = useConsole();
  const secret = useAction();
  const cer = bundle.cer ?? "";
  const names = useMemo(() => {
    try {
      return certificateNames(bytesOfBase64(cer));
    } catch {
      return { subject: "(unreadable)", alternativeNames: [] };
    }
  }, [cer]);
  const exportable = bundle.policy?.key_props?.exportable === true;
  const downloadSecret = () =>
    void secret.run(async () => {
      // A read of the secret, which the audit log records: the private key leaves the vault here.
      const { value } = await api.vault<{ value: string }>(vaultName, "GET", `/secrets/${encodeURIComponent(name)}`);
      if (bundle.contentType === PKCS12) download(`${name}.pfx`, bytesOfBase64(value), "application/x-pkcs12");
      else download(`${name}.pem`, value, "application/x-pem-file");
    });
  return (
    <section class="panel" aria-labelledby="cert-properties">
      <h3 id="cert-properties">Properties</h3>
      <dl class="cert-properties">
        <dt>Subject</dt>
        <dd>{names.subject}</dd>
        <dt>Subject alternative names</dt>
        <dd>{names.alternativeNames.join(", ") || "None"}</dd>
        <dt>Not before</dt>
        <dd>{when(bundle.attributes.nbf)}</dd>
        <dt>Not after</dt>
        <dd>{when(bundle.attributes.exp)}</dd>
        <dt>Thumbprint (SHA-1)</dt>
        <dd>
          <code>{bundle.x5t ? thumbprintHex(bundle.x5t) : ""}</code>
        </dd>
        <dt>Content type</dt>
        <dd>{bundle.contentType ?? ""}</dd>
      </dl>
      <div class="actions">
        <button type="button" onClick={() => download(`${name}.cer`, bytesOfBase64(cer), "application/pkix-cert")}>
          Download .cer
        </button>
        <button type="button" onClick={() => download(`${name}.pem`, pemOf("CERTIFICATE", cer), "application/x-pem-file")}>
          Download .pem
        </button>
        {exportable ? (
          <button type="button" disabled={secret.busy} onClick={downloadSecret}>
            Download with private key
          </button>
        ) : null}
      </div>
      <ErrorNotice error={secret.error} />
    </section>
  );
}

/** The latest version's enabled flag and tags (PATCH …/certificates/NAME/VERSION; the key and secret follow). */
function AttributesForm({ vaultName, bundle, onSaved }: { vaultName: string; bundle: CertificateBundle; onSaved: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [enabled, setEnabled] = useState(bundle.attributes.enabled);
  const [tags, setTags] = useState(tagsText(bundle.tags));
  const [saved, setSaved] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    void action.run(async () => {
      await api.vault(vaultName, "PATCH", new URL(bundle.id).pathname, { attributes: { enabled }, tags: parseTags(tags) });
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
