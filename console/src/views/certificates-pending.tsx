import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { bytesOfBase64, certificatesInPem, pemOf } from "../certificates-files.js";
import { ErrorNotice, Field, Loading, download, useAction, useLoad } from "../ui.js";

interface CertificateOperation {
  issuer: { name: string };
  csr?: string;
  status: "inProgress" | "completed" | "cancelled" | "failed";
  status_details?: string;
  error?: { code?: string; message?: string };
}

const STATUS_TEXT: Record<CertificateOperation["status"], string> = {
  inProgress: "In progress",
  completed: "Completed",
  cancelled: "Cancelled",
  failed: "Failed",
};

/**
 * The certificate's create operation until it is over. One that waits for someone outside to sign (issuer Unknown,
 * or a provider Keyhold cannot reach) offers its CSR and takes the signed certificate back (merge); any other in
 * progress is read again every few seconds. A completed operation shows nothing.
 */
export function PendingOperation({ vaultName, name, onChanged }: { vaultName: string; name: string; onChanged: () => void }) {
  const { api } = useConsole();
  const path = `/certificates/${encodeURIComponent(name)}/pending`;
  const operation = useLoad(() => api.vault<CertificateOperation>(vaultName, "GET", path), [vaultName, name]);
  const action = useAction();
  const op = operation.data;
  const waiting = op?.status === "inProgress" && !op.csr;
  useEffect(() => {
    if (!waiting) return;
    const timer = setTimeout(() => {
      operation.reload();
      onChanged();
    }, 2000);
    return () => clearTimeout(timer);
  }, [waiting, op]);
  const act = (work: () => Promise<unknown>) =>
    void action.run(async () => {
      await work();
      operation.reload();
      onChanged();
    });
  if (operation.error) return <ErrorNotice error={operation.error} />;
  if (!op) return <Loading />;
  if (op.status === "completed") return null;
  return (
    <section class="panel" aria-labelledby="cert-pending">
      <h3 id="cert-pending">Pending operation</h3>
      <p role="status">
        {STATUS_TEXT[op.status]}, issuer {op.issuer.name}
        {op.status_details ? `: ${op.status_details}` : ""}
      </p>
      {op.error?.message ? <p>{op.error.message}</p> : null}
      {op.status === "inProgress" && op.csr ? (
        <>
          <div class="actions">
            <button type="button" onClick={() => download(`${name}.csr`, pemOf("CERTIFICATE REQUEST", op.csr ?? ""), "application/pkcs10")}>
              Download CSR
            </button>
            <button type="button" onClick={() => download(`${name}.csr.der`, bytesOfBase64(op.csr ?? ""), "application/pkcs10")}>
              Download CSR (DER)
            </button>
          </div>
          <MergeForm vaultName={vaultName} path={path} onMerged={() => act(async () => undefined)} />
        </>
      ) : null}
      <ErrorNotice error={action.error} />
      <div class="actions">
        {op.status === "inProgress" ? (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => act(() => api.vault(vaultName, "PATCH", path, { cancellation_requested: true }))}
          >
            Cancel operation
          </button>
        ) : null}
        <button type="button" class="danger" disabled={action.busy} onClick={() => act(() => api.vault(vaultName, "DELETE", path))}>
          Delete operation
        </button>
      </div>
    </section>
  );
}

/** The signed certificate (and its chain) as PEM, merged with the waiting key (POST …/pending/merge). */
function MergeForm({ vaultName, path, onMerged }: { vaultName: string; path: string; onMerged: () => void }) {
  const { api } = useConsole();
  const action = useAction();
  const [pem, setPem] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const x5c = certificatesInPem(pem);
      if (x5c.length === 0) throw new Error("Paste at least one -----BEGIN CERTIFICATE----- block.");
      await api.vault(vaultName, "POST", `${path}/merge`, { x5c });
      setPem("");
      onMerged();
    });
  };
  return (
    <form onSubmit={submit} aria-label="Merge signed certificate">
      <Field label="Signed certificate (PEM)" hint="The certificate the CA signed, then its chain">
        <textarea value={pem} onInput={(e) => setPem(e.currentTarget.value)} required rows={6} spellcheck={false} />
      </Field>
      <ErrorNotice error={action.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy}>
          Merge
        </button>
      </div>
    </form>
  );
}
