/** A certificate policy as Key Vault's JSON writes it, and as the console's policy form edits it. */

export interface CertificatePolicyJson {
  key_props?: { exportable?: boolean; kty?: string; key_size?: number; crv?: string; reuse_key?: boolean };
  secret_props?: { contentType?: string };
  x509_props?: {
    subject?: string;
    sans?: { dns_names?: string[]; emails?: string[]; upns?: string[] };
    validity_months?: number;
    ekus?: string[];
    key_usage?: string[];
  };
  lifetime_actions?: { trigger: { lifetime_percentage?: number; days_before_expiry?: number }; action: { action_type: string } }[];
  issuer?: { name?: string };
}

export const PKCS12 = "application/x-pkcs12";
export const PEM = "application/x-pem-file";

/** The fields the policy form shows; everything else in a policy is left as the server keeps it. */
export interface PolicyFields {
  subject: string;
  dnsNames: string;
  issuer: string;
  validityMonths: number;
  keyType: "RSA" | "EC";
  keySize: number;
  curve: string;
  exportable: boolean;
  contentType: string;
  action: "AutoRenew" | "EmailContacts";
  trigger: "percentage" | "days";
  triggerValue: number;
}

export const DEFAULT_POLICY: PolicyFields = {
  subject: "",
  dnsNames: "",
  issuer: "Self",
  validityMonths: 12,
  keyType: "RSA",
  keySize: 2048,
  curve: "P-256",
  exportable: true,
  contentType: PKCS12,
  action: "AutoRenew",
  trigger: "percentage",
  triggerValue: 80,
};

/** DNS names written one per line or separated by commas. */
const namesOf = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter(Boolean);

export function policyFieldsOf(policy: CertificatePolicyJson | undefined): PolicyFields {
  const action = policy?.lifetime_actions?.[0];
  const days = action?.trigger.days_before_expiry;
  return {
    subject: policy?.x509_props?.subject ?? "",
    dnsNames: (policy?.x509_props?.sans?.dns_names ?? []).join("\n"),
    issuer: policy?.issuer?.name ?? "Unknown",
    validityMonths: policy?.x509_props?.validity_months ?? DEFAULT_POLICY.validityMonths,
    keyType: policy?.key_props?.kty?.startsWith("EC") ? "EC" : "RSA",
    keySize: policy?.key_props?.key_size ?? DEFAULT_POLICY.keySize,
    curve: policy?.key_props?.crv ?? DEFAULT_POLICY.curve,
    exportable: policy?.key_props?.exportable ?? false,
    contentType: policy?.secret_props?.contentType ?? PKCS12,
    action: action?.action.action_type === "EmailContacts" ? "EmailContacts" : "AutoRenew",
    trigger: days !== undefined ? "days" : "percentage",
    triggerValue: days ?? action?.trigger.lifetime_percentage ?? DEFAULT_POLICY.triggerValue,
  };
}

/** The policy JSON for a create or a policy update (PATCH …/policy replaces the fields given, lists whole). */
export function policyJsonOf(fields: PolicyFields): CertificatePolicyJson {
  const dnsNames = namesOf(fields.dnsNames);
  return {
    key_props: {
      kty: fields.keyType,
      exportable: fields.exportable,
      ...(fields.keyType === "RSA" ? { key_size: fields.keySize } : { crv: fields.curve }),
    },
    secret_props: { contentType: fields.contentType },
    x509_props: {
      ...(fields.subject.trim() && { subject: fields.subject.trim() }),
      ...(dnsNames.length > 0 && { sans: { dns_names: dnsNames } }),
      validity_months: fields.validityMonths,
    },
    lifetime_actions: [
      {
        trigger: fields.trigger === "days" ? { days_before_expiry: fields.triggerValue } : { lifetime_percentage: fields.triggerValue },
        action: { action_type: fields.action },
      },
    ],
    issuer: { name: fields.issuer },
  };
}
