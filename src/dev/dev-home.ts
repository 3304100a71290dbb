import { randomBytes, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseMasterKey } from "../config/master-key.js";
import type { PemPair } from "../crypto/dev-certificates.js";
import { hasDevCaNameConstraints } from "../crypto/dev-name-constraints.js";

/** The X.509 library takes ~300 ms to load, so it is loaded only when a certificate must be made. */
const certificates = () => import("../crypto/dev-certificates.js");

/** The dev server's names: the SANs of its certificate and the vault domains it serves. */
export const DEV_VAULT_DOMAINS = ["vault.azure.net", "vault.localhost"];
// Each must lie within the dev CA's name constraints (DEV_CA_PERMITTED_* in dev-name-constraints.ts), or
// verifiers refuse the certificate.
const DEV_DNS_NAMES = ["localhost", "*.vault.localhost", "*.vault.azure.net"];
const DEV_IPS = ["127.0.0.1", "::1"];

export interface DevHome {
  dir: string;
  masterKey: Buffer;
  ca: PemPair;
  server: PemPair;
  caFile: string;
  caBundleFile: string;
}

const secretFile = (path: string, content: string): void => {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
};

function loadOrCreateMasterKey(file: string): Buffer {
  if (existsSync(file)) return parseMasterKey(readFileSync(file, "utf8"));
  const key = randomBytes(32);
  secretFile(file, `${key.toString("base64")}\n`);
  return key;
}

/**
 * The dev CA, made on first start. A CA without this version's critical name constraints (one made before they
 * existed could vouch for any host name) is replaced, with a notice: clients that imported it must trust the
 * new one, while NODE_EXTRA_CA_CERTS and the bundle keep their paths.
 */
async function loadOrCreateCa(certFile: string, keyFile: string, notice: (line: string) => void): Promise<PemPair> {
  if (existsSync(certFile) && existsSync(keyFile)) {
    const current = { certPem: readFileSync(certFile, "utf8"), keyPem: readFileSync(keyFile, "utf8") };
    if (hasDevCaNameConstraints(current.certPem)) return current;
    notice(
      `keyhold: replaced the dev CA ${certFile} (it lacked the name constraints that limit it to dev mode's host names); ` +
        "clients that imported it must trust the new one",
    );
  }
  const ca = await (await certificates()).createDevCa();
  writeFileSync(certFile, ca.certPem);
  secretFile(keyFile, ca.keyPem);
  return ca;
}

async function loadOrCreateServerCert(ca: PemPair, certFile: string, keyFile: string): Promise<PemPair> {
  if (existsSync(certFile) && existsSync(keyFile)) {
    const current = { certPem: readFileSync(certFile, "utf8"), keyPem: readFileSync(keyFile, "utf8") };
    const cert = new X509Certificate(current.certPem);
    const caCert = new X509Certificate(ca.certPem);
    // The signature too, not only the names: a replaced CA must never keep a certificate of its predecessor.
    const issuedByCa = cert.checkIssued(caCert) && cert.verify(caCert.publicKey);
    const daysLeft = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    if (issuedByCa && daysLeft > 30) return current;
  }
  const server = await (await certificates()).issueServerCertificate(ca, DEV_DNS_NAMES, DEV_IPS);
  writeFileSync(certFile, server.certPem);
  secretFile(keyFile, server.keyPem);
  return server;
}

/**
 * The dev data directory: master key, dev CA, server certificate and the CA bundle for other languages'
 * clients (system roots plus the dev CA, since Python's `requests` replaces the roots with it). Everything is
 * made once and kept, so a restart has the same CA, credentials and data.
 */
export async function prepareDevHome(
  dir: string,
  notice: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<DevHome> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const masterKey = loadOrCreateMasterKey(join(dir, "master.key"));
  const caFile = join(dir, "ca.pem");
  const ca = await loadOrCreateCa(caFile, join(dir, "ca-key.pem"), notice);
  const server = await loadOrCreateServerCert(ca, join(dir, "server.pem"), join(dir, "server-key.pem"));
  const caBundleFile = join(dir, "ca-bundle.pem");
  const { rootCertificates } = await import("node:tls");
  writeFileSync(caBundleFile, [...rootCertificates, ca.certPem.trim()].join("\n") + "\n");
  return { dir, masterKey, ca, server, caFile, caBundleFile };
}
