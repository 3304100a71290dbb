import type { CertificateContent } from "../crypto/x509/certificate-content.js";
import { badParameter } from "../errors/key-vault-error.js";

/**
 * Keyhold's own limit (Azure documents none): the most certificates one import or merge may carry, the leaf and its
 * chain. Each costs about half a millisecond to parse and more to place in the chain, all on the event loop, which
 * every other request waits for; a real chain holds a handful, and 25 stay well under the 50 ms one request may
 * hold the loop. Counted before anything is parsed.
 */
export const CERTIFICATES_MAX = 25;

const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

function countIn(text: string): number {
  let count = 0;
  for (let at = text.indexOf(PEM_CERTIFICATE); at !== -1; at = text.indexOf(PEM_CERTIFICATE, at + PEM_CERTIFICATE.length)) count++;
  return count;
}

function refuseOver(count: number): void {
  if (count > CERTIFICATES_MAX) {
    throw badParameter(`The request holds ${count} certificates, more than the ${CERTIFICATES_MAX} one certificate's chain may hold.`);
  }
}

/** Refuses a PEM import holding more than CERTIFICATES_MAX certificates (a PFX is counted as it is parsed). */
export function checkImportedCertificateCount(content: CertificateContent): void {
  if (content.format === "pem") refuseOver(countIn(content.text));
}

/** Refuses a merge's x5c of more than CERTIFICATES_MAX certificates: its entries, a PEM entry by its blocks. */
export function checkMergedCertificateCount(x5c: readonly Buffer[]): void {
  refuseOver(x5c.reduce((sum, entry) => sum + Math.max(1, countIn(entry.toString("latin1"))), 0));
}
