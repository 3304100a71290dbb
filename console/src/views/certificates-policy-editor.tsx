import { useState } from "preact/hooks";
import { useConsole } from "../context.js";
import { type CertificatePolicyJson, PEM, type PolicyFields, policyFieldsOf, policyJsonOf } from "../certificates-policy.js";
import { ErrorNotice, useAction } from "../ui.js";
import { PolicyFieldset } from "./certificates-policy-form.js";

/** The certificate's policy, which its next versions (renewals included) are made by; edited with PATCH …/policy. */
export function PolicyEditor({
  vaultName,
  name,
  policy,
  onSaved,
}: {
  vaultName: string;
  name: string;
  policy: CertificatePolicyJson;
  onSaved: () => void;
}) {
  const { api } = useConsole();
  const action = useAction();
  const [editing, setEditing] = useState<PolicyFields | null>(null);
  const shown = policyFieldsOf(policy);
  const submit = (event: Event) => {
    event.preventDefault();
    if (!editing) return;
    void action.run(async () => {
      await api.vault(vaultName, "PATCH", `/certificates/${encodeURIComponent(name)}/policy`, policyJsonOf(editing));
      setEditing(null);
      onSaved();
    });
  };
  if (editing) {
    return (
      <form class="panel" onSubmit={submit} aria-label="Policy">
        <h3>Policy</h3>
        <PolicyFieldset vaultName={vaultName} fields={editing} onChange={setEditing} />
        <ErrorNotice error={action.error} />
        <div class="actions">
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            Save policy
          </button>
        </div>
      </form>
    );
  }
  const trigger = shown.trigger === "days" ? `${shown.triggerValue} days before expiry` : `at ${shown.triggerValue} % of the lifetime`;
  return (
    <section class="panel" aria-labelledby="cert-policy">
      <h3 id="cert-policy">Policy</h3>
      <dl class="cert-properties">
        <dt>Subject</dt>
        <dd>{shown.subject}</dd>
        <dt>DNS names</dt>
        <dd>{shown.dnsNames.split("\n").filter(Boolean).join(", ") || "None"}</dd>
        <dt>Issuer</dt>
        <dd>{shown.issuer}</dd>
        <dt>Validity</dt>
        <dd>{shown.validityMonths} months</dd>
        <dt>Key</dt>
        <dd>
          {shown.keyType === "RSA" ? `RSA ${shown.keySize}` : `EC ${shown.curve}`}, {shown.exportable ? "exportable" : "not exportable"}
        </dd>
        <dt>Content type</dt>
        <dd>{shown.contentType === PEM ? "PEM" : "PKCS #12 (PFX)"}</dd>
        <dt>Lifetime action</dt>
        <dd>
          {policy.lifetime_actions?.length
            ? `${shown.action === "AutoRenew" ? "Renew automatically" : "Email the contacts"} ${trigger}`
            : "None"}
        </dd>
      </dl>
      <div class="actions">
        <button type="button" onClick={() => setEditing(shown)}>
          Edit policy
        </button>
      </div>
    </section>
  );
}
