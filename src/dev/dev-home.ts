import { randomBytes, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseMasterKey } from "../config/serve-config.js";
import type { PemPair } from "../crypto/dev-certificates.js";

/** The X.509 library takes ~300 ms to load, so it is loaded only when a certificate must be made. */
const certificates = () => import("../crypto/dev-certificates.js");

/** The dev server's names: the SANs of its certificate (issue 2) and the vault domains it serves. */
export const DEV_VAULT_DOMAINS = ["vault.azure.net", "vault.localhost"];
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

async function loadOrCreateCa(certFile: string, keyFile: string): Promise<PemPair> {
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { certPem: readFileSync(certFile, "utf8"), keyPem: readFileSync(keyFile, "utf8") };
  }
  const ca = await (await certificates()).createDevCa();
  writeFileSync(certFile, ca.certPem);
  secretFile(keyFile, ca.keyPem);
  return ca;
}

async function loadOrCreateServerCert(ca: PemPair, certFile: string, keyFile: string): Promise<PemPair> {
  if (existsSync(certFile) && existsSync(keyFile)) {
    const current = { certPem: readFileSync(certFile, "utf8"), keyPem: readFileSync(keyFile, "utf8") };
    const issuedByCa = new X509Certificate(current.certPem).checkIssued(new X509Certificate(ca.certPem));
    const daysLeft = (Date.parse(new X509Certificate(current.certPem).validTo) - Date.now()) / 86_400_000;
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
export async function prepareDevHome(dir: string): Promise<DevHome> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const masterKey = loadOrCreateMasterKey(join(dir, "master.key"));
  const caFile = join(dir, "ca.pem");
  const ca = await loadOrCreateCa(caFile, join(dir, "ca-key.pem"));
  const server = await loadOrCreateServerCert(ca, join(dir, "server.pem"), join(dir, "server-key.pem"));
  const caBundleFile = join(dir, "ca-bundle.pem");
  const { rootCertificates } = await import("node:tls");
  writeFileSync(caBundleFile, [...rootCertificates, ca.certPem.trim()].join("\n") + "\n");
  return { dir, masterKey, ca, server, caFile, caBundleFile };
}
