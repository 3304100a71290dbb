import { X509Certificate, createPrivateKey } from "node:crypto";
import { createPkcs12 } from "../crypto/x509/pkcs12.js";
import type { CertificatePolicy } from "./certificate-policy.js";

/** What a certificate version's secret is made of: its key (PKCS #8), its certificate and the rest of its chain (DER). */
export interface SecretParts {
  pkcs8: Buffer;
  certificate: Buffer;
  chain: readonly Buffer[];
}

const pemOf = (der: Buffer) => new X509Certificate(der).toString();

/**
 * The certificate's secret, which is how applications fetch their certificate (`getSecret(certName)`): a PFX
 * without a password, base64, or PEM text (the private key, then the certificate and its chain), as the policy's
 * content type says. A key that is not exportable stays out of it: the secret then holds the certificates alone.
 */
export async function certificateSecretValue(policy: CertificatePolicy, parts: SecretParts): Promise<string> {
  const certificates = [parts.certificate, ...parts.chain];
  if (policy.secret.contentType === "application/x-pem-file") {
    const certificatesPem = certificates.map(pemOf).join("");
    if (!policy.key.exportable) return certificatesPem;
    const keyPem = createPrivateKey({ key: parts.pkcs8, format: "der", type: "pkcs8" }).export({ format: "pem", type: "pkcs8" }) as string;
    return `${keyPem}${certificatesPem}`;
  }
  if (!policy.key.exportable) return parts.certificate.toString("base64");
  return (await createPkcs12({ pkcs8: parts.pkcs8, certificate: parts.certificate, chain: [...parts.chain] }, null)).toString("base64");
}
