import type { KeyDescription } from "../crypto/key-types.js";
import type { CertificateDescription } from "../crypto/x509/certificate-description.js";
import { badParameter } from "../errors/key-vault-error.js";
import {
  type CertificatePolicy,
  type CertificatePolicyInput,
  MAX_VALIDITY_MONTHS,
  UNKNOWN_ISSUER,
  completePolicy,
} from "./certificate-policy.js";

const SECONDS_PER_MONTH = (365.25 / 12) * 86_400;

/**
 * The policy of an imported certificate: what the certificate says (subject, SANs, key usage, EKUs, validity) and
 * what its key is, with issuer Unknown (no one in the vault can sign its renewal), as Azure makes it. A policy sent
 * with the import adds to that (exportable, content type, lifetime actions, issuer); its key type and x509 fields
 * must not contradict the certificate, since they describe it.
 */
export function importedCertificatePolicy(
  certificate: CertificateDescription,
  key: KeyDescription,
  given: CertificatePolicyInput | undefined,
  now: number,
): CertificatePolicy {
  const months = Math.round((certificate.notAfter - certificate.notBefore) / SECONDS_PER_MONTH);
  const family = key.jwk.kty === "EC" ? "EC" : "RSA";
  const type = given?.key?.type ?? family;
  if (!type.startsWith(family)) throw badParameter(`The policy's key type ${type} does not match the certificate's ${family} key.`);
  return completePolicy(
    {
      ...given,
      key: {
        exportable: given?.key?.exportable ?? true,
        reuseKey: given?.key?.reuseKey ?? false,
        type,
        ...(family === "EC" ? { curve: key.jwk.crv! } : { size: key.size }),
      },
      x509: {
        ...(certificate.subject !== "" && { subject: certificate.subject }),
        sans: certificate.sans,
        ekus: certificate.ekus,
        keyUsage: certificate.keyUsage,
        validityMonths: Math.min(Math.max(months, 1), MAX_VALIDITY_MONTHS),
      },
      issuer: { name: UNKNOWN_ISSUER, ...given?.issuer },
    },
    now,
  );
}
