import { X509Certificate } from "node:crypto";
import { resolve } from "node:path";
import { rootCertificates } from "node:tls";
import { CliError } from "./cli-error.js";
import { readInputText } from "./input-file.js";

/** The text of a CA certificate file (PEM), checked, or a CLI error saying what is wrong with it. */
export function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readInputText(path);
  } catch (error) {
    throw error instanceof CliError ? new CliError("CaFileUnreadable", `the CA file: ${error.message}`) : error;
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new CliError("BadParameter", `${path} is not a CA certificate in PEM (-----BEGIN CERTIFICATE-----)`);
  }
  return pem;
}

/**
 * The CAs to trust when a login keeps one (`keyhold login --ca`, or the NODE_EXTRA_CA_CERTS it ran with), for a
 * later shell that does not set NODE_EXTRA_CA_CERTS: Node's own roots, the environment's extra CAs (an explicit
 * list replaces Node's, which would drop them) and the login's. Undefined without one: Node's defaults then apply.
 */
export function trustedCertificates(caFile: string | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  if (!caFile) return undefined;
  const extra =
    env.NODE_EXTRA_CA_CERTS && resolve(env.NODE_EXTRA_CA_CERTS) !== resolve(caFile) ? [readCaFile(env.NODE_EXTRA_CA_CERTS)] : [];
  return [...rootCertificates, ...extra, readCaFile(caFile)];
}
