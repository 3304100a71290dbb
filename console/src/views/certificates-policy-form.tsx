import { useConsole } from "../context.js";
import { PEM, PKCS12, type PolicyFields } from "../certificates-policy.js";
import { Field, lastPart, useLoad } from "../ui.js";

/**
 * The policy's fields, shared by "New certificate" and the policy editor. The issuer is Self, Unknown (a CSR that
 * someone outside signs, then merged) or one of the vault's issuers.
 */
export function PolicyFieldset({
  vaultName,
  fields,
  onChange,
}: {
  vaultName: string;
  fields: PolicyFields;
  onChange: (fields: PolicyFields) => void;
}) {
  const { api } = useConsole();
  // Without the right to list issuers, Self and Unknown remain to choose from.
  const issuers = useLoad(
    () => api.vault<{ value: { id: string }[] }>(vaultName, "GET", "/certificates/issuers?maxresults=25").catch(() => ({ value: [] })),
    [vaultName],
  );
  const names = ["Self", "Unknown", ...(issuers.data?.value ?? []).map((issuer) => lastPart(issuer.id))];
  if (!names.includes(fields.issuer)) names.push(fields.issuer);
  const set = <K extends keyof PolicyFields>(key: K, value: PolicyFields[K]) => onChange({ ...fields, [key]: value });
  return (
    <>
      <Field label="Subject" hint="An X.500 name, e.g. CN=www.example.org">
        <input value={fields.subject} onInput={(e) => set("subject", e.currentTarget.value)} placeholder="CN=…" />
      </Field>
      <Field label="DNS names" hint="Subject alternative names, one per line">
        <textarea value={fields.dnsNames} onInput={(e) => set("dnsNames", e.currentTarget.value)} rows={2} />
      </Field>
      <Field label="Issuer" hint="Self signs with the certificate's own key; Unknown makes a CSR for someone else to sign">
        <select value={fields.issuer} onChange={(e) => onChange(withIssuer(fields, e.currentTarget.value))}>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Validity in months">
        <input
          type="number"
          min={1}
          max={1200}
          value={fields.validityMonths}
          onInput={(e) => set("validityMonths", e.currentTarget.valueAsNumber)}
          required
        />
      </Field>
      <Field label="Key type">
        <select value={fields.keyType} onChange={(e) => set("keyType", e.currentTarget.value === "EC" ? "EC" : "RSA")}>
          <option value="RSA">RSA</option>
          <option value="EC">EC</option>
        </select>
      </Field>
      {fields.keyType === "RSA" ? (
        <Field label="Key size">
          <select value={String(fields.keySize)} onChange={(e) => set("keySize", Number(e.currentTarget.value))}>
            {[2048, 3072, 4096].map((size) => (
              <option key={size} value={String(size)}>
                {size}
              </option>
            ))}
          </select>
        </Field>
      ) : (
        <Field label="Curve">
          <select value={fields.curve} onChange={(e) => set("curve", e.currentTarget.value)}>
            {["P-256", "P-384", "P-521", "P-256K"].map((curve) => (
              <option key={curve} value={curve}>
                {curve}
              </option>
            ))}
          </select>
        </Field>
      )}
      <label class="check">
        <input type="checkbox" checked={fields.exportable} onChange={(e) => set("exportable", e.currentTarget.checked)} /> Exportable
        private key
      </label>
      <Field label="Content type" hint="The format of the certificate's secret">
        <select value={fields.contentType} onChange={(e) => set("contentType", e.currentTarget.value)}>
          <option value={PKCS12}>PKCS #12 (PFX)</option>
          <option value={PEM}>PEM</option>
        </select>
      </Field>
      <fieldset class="cert-lifetime">
        <legend>Lifetime action</legend>
        <Field label="Action" hint="Auto-renew needs an issuer that signs in the vault (not Unknown)">
          <select
            value={fields.action}
            onChange={(e) => set("action", e.currentTarget.value === "EmailContacts" ? "EmailContacts" : "AutoRenew")}
          >
            <option value="AutoRenew">Renew automatically</option>
            <option value="EmailContacts">Email the contacts</option>
          </select>
        </Field>
        <Field label="When">
          <select value={fields.trigger} onChange={(e) => set("trigger", e.currentTarget.value === "days" ? "days" : "percentage")}>
            <option value="percentage">At a percentage of the lifetime</option>
            <option value="days">Days before expiry</option>
          </select>
        </Field>
        <Field label={fields.trigger === "days" ? "Days before expiry" : "Percentage of lifetime"}>
          <input
            type="number"
            min={1}
            max={fields.trigger === "days" ? 32400 : 99}
            value={fields.triggerValue}
            onInput={(e) => set("triggerValue", e.currentTarget.valueAsNumber)}
            required
          />
        </Field>
      </fieldset>
    </>
  );
}

/** Unknown cannot renew by itself (the server refuses AutoRenew there), so choosing it switches to email. */
function withIssuer(fields: PolicyFields, issuer: string): PolicyFields {
  return { ...fields, issuer, action: issuer === "Unknown" ? "EmailContacts" : fields.action };
}
