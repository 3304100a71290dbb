import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueServerCertificate } from "../../src/crypto/dev-certificates.js";
import { testRoot } from "./dev-server.js";

/**
 * A fresh directory for `keyhold serve`: `tls.pem` and `tls-key.pem` from the run's test CA (only names its name
 * constraints permit: the tests reach the server as localhost, so the vault domain needs no SAN), and a new
 * `master.key`.
 */
export async function serveDirectory(prefix: string): Promise<string> {
  const dir = mkdtempSync(join(testRoot(), prefix));
  const caDir = process.env.KEYHOLD_TEST_CA_DIR!;
  const ca = { certPem: readFileSync(join(caDir, "ca.pem"), "utf8"), keyPem: readFileSync(join(caDir, "ca-key.pem"), "utf8") };
  const cert = await issueServerCertificate(ca, ["localhost"], ["127.0.0.1"]);
  writeFileSync(join(dir, "tls.pem"), cert.certPem);
  writeFileSync(join(dir, "tls-key.pem"), cert.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, "master.key"), randomBytes(32).toString("base64"), { mode: 0o600 });
  return dir;
}

/** Writes `dir/config.json`: a production config on port 0 with the directory's files, and `settings` over it. */
export function writeServeConfig(dir: string, settings: object): string {
  const file = join(dir, "config.json");
  writeFileSync(
    file,
    JSON.stringify({
      listen: { host: "127.0.0.1", port: 0 },
      authorityUrl: "https://localhost:8443",
      tls: { certFile: "tls.pem", keyFile: "tls-key.pem" },
      masterKey: { file: "master.key" },
      vaultDomains: ["vault.example.test"],
      ...settings,
    }),
  );
  return file;
}
