import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { X509Certificate, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PROJECT_ROOT, type DevServer, startDevServer } from "../support/dev-server.js";
import { keyClientFor } from "../support/keys-sdk.js";

/** Debian's interpreter: only it sees Debian's python3-azure (a pyenv python3 may come first on PATH). */
const PYTHON = "/usr/bin/python3";
/** Not compiled or copied into dist: read from the source tree. */
const SCRIPT = join(PROJECT_ROOT, "test/compat/python-sdk.py");

function pythonSdkMissing(): string | null {
  const imports = "import azure.keyvault.keys, azure.keyvault.secrets, azure.keyvault.certificates, azure.identity";
  const probe = spawnSync(PYTHON, ["-c", imports], { encoding: "utf8" });
  if (probe.status === 0) return null;
  const why = probe.error ? probe.error.message : probe.stderr.trim().split("\n").at(-1);
  return `${PYTHON} cannot import Debian's Python Azure SDK (${why}); install it with apt-get install python3-azure`;
}

const missing = pythonSdkMissing();
const required = process.env.KEYHOLD_REQUIRE_PYTHON_SDK === "1";

/** A certificate Python created, its managed key's public JWK as KeyClient.get_key read it, its secret's content type. */
interface PythonCertificate {
  name: string;
  cer: string;
  jwk: { kty: string; n?: string; e?: string; crv?: string; x?: string; y?: string };
  secret_content_type: string;
}

/** A certificate Python made with its key and imported as a PFX; the key type is the policy Keyhold read from it. */
type ImportedCertificate = Omit<PythonCertificate, "secret_content_type"> & { key_type: string };

interface ScriptResult {
  api_versions: { secrets: string; keys: string; certificates: string };
  errors: Record<string, { type: string; message: string; status?: number; code?: string; request?: string; body?: string }>;
  secrets?: { get: string; versions: number; updated_content_type: string; recovered: boolean; purged: boolean };
  keys?: {
    message: string;
    rsa: { kid: string; n: string; e: string; rs256: string };
    ec: { kid: string; crv: string; x: string; y: string; es256: string };
    rsa_roundtrips: string[];
  };
  certificates?: { default: PythonCertificate & { version: string; versions: number }; custom: PythonCertificate; listed: number };
  certificate_lifecycle?: { deleted_with_key_and_secret: boolean; recovered: boolean; purged: boolean };
  certificate_import?: Record<"with_password" | "without_password", ImportedCertificate>;
  certificate_backup?: { restored: boolean; restore_again_status: number };
}

/**
 * Debian's python3-azure (azure-keyvault-secrets 4.7.0b1, azure-keyvault-keys 4.8.0b3, azure-keyvault-certificates
 * 4.7.0b1, azure-identity 1.13.0b2) run unmodified against a live `keyhold dev`: DefaultAzureCredential(), each
 * client with its default api-version, and only dev.env's variables. Skips when the SDK is not installed, except
 * with KEYHOLD_REQUIRE_PYTHON_SDK=1 (CI), where that fails.
 */
describe("Debian's Python Azure SDK (python3-azure)", { skip: missing && !required ? missing : false }, () => {
  let server: DevServer;
  let exitCode: number | null;
  let stdout = "";
  let stderr = "";
  let result: ScriptResult;
  /** What to show when an assertion fails: the script's output and the server's. */
  const transcript = () => `exit ${exitCode}\nstdout:\n${stdout}\nstderr:\n${stderr}\nserver:\n${server.output()}`;

  before(async () => {
    if (missing) throw new Error(`KEYHOLD_REQUIRE_PYTHON_SDK=1, but ${missing}`);
    server = await startDevServer();
    const child = spawn(PYTHON, [SCRIPT], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", ...server.env },
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    exitCode = await new Promise<number | null>((done) => child.once("exit", done));
    clearTimeout(timer);
    try {
      result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
    } catch {
      throw new Error(`the script printed no JSON result:\n${transcript()}`);
    }
  });
  after(async () => {
    await server?.stop();
  });

  it("gets dev.env's CA bundle with the system roots and the dev CA (the run's test CA)", () => {
    const testCa = readFileSync(join(process.env.KEYHOLD_TEST_CA_DIR!, "ca.pem"), "utf8").trim();
    assert.equal(readFileSync(join(server.dir, "ca.pem"), "utf8").trim(), testCa);
    assert.equal(server.env.REQUESTS_CA_BUNDLE, join(server.dir, "ca-bundle.pem"));
    assert.equal(server.env.SSL_CERT_FILE, server.env.REQUESTS_CA_BUNDLE);
    const bundle = readFileSync(server.env.REQUESTS_CA_BUNDLE, "utf8");
    assert.ok(bundle.includes(testCa), "ca-bundle.pem lacks the dev CA");
    assert.ok((bundle.match(/BEGIN CERTIFICATE/g) ?? []).length > 10, "ca-bundle.pem lacks the system roots");
  });

  it("sends each client's default api-version: secrets 7.3, keys 7.4-preview.1, certificates 7.3", () => {
    assert.deepEqual(result.api_versions, { secrets: "7.3", keys: "7.4-preview.1", certificates: "7.3" }, transcript());
  });

  it("SecretClient: set, get, list, update properties, delete, get deleted, recover, purge", () => {
    assert.equal(result.errors.secrets, undefined, transcript());
    assert.equal(result.secrets?.get, "python value 2");
    assert.equal(result.secrets?.versions, 2);
    assert.equal(result.secrets?.updated_content_type, "application/x-py");
    assert.equal(result.secrets?.recovered, true);
    assert.equal(result.secrets?.purged, true);
  });

  it("KeyClient and CryptographyClient: RSA and EC keys, sign/verify, RSA-OAEP(-256) encrypt/decrypt, wrap/unwrap", () => {
    assert.equal(result.errors.keys, undefined, transcript());
    assert.deepEqual(result.keys?.rsa_roundtrips, ["RSA-OAEP", "RSA-OAEP-256", "wrap RSA-OAEP-256"]);
    assert.ok(result.keys?.rsa.kid.startsWith(`${server.env.KEY_VAULT_URL}/keys/py-rsa-`), result.keys?.rsa.kid);
  });

  it("CertificateClient: create (default policy twice, custom EC policy), get, versions, policy, properties, list, secret", () => {
    assert.equal(result.errors.certificates, undefined, transcript());
    assert.equal(result.certificates?.default.versions, 2);
    assert.equal(result.certificates?.default.secret_content_type, "application/x-pkcs12");
    assert.equal(result.certificates?.custom.secret_content_type, "application/x-pem-file");
    assert.ok((result.certificates?.listed ?? 0) >= 2, "list_properties_of_certificates");
  });

  it("CertificateClient: delete takes the key and secret along, recover brings them back, purge removes them", () => {
    assert.equal(result.errors.certificate_lifecycle, undefined, transcript());
    assert.deepEqual(result.certificate_lifecycle, { deleted_with_key_and_secret: true, recovered: true, purged: true });
  });

  it("CertificateClient: import_certificate of PFX files made in Python, with a password (RSA) and without (EC)", () => {
    assert.equal(result.errors.certificate_import, undefined, transcript());
    assert.equal(result.certificate_import?.with_password.key_type, "RSA");
    assert.equal(result.certificate_import?.without_password.key_type, "EC");
  });

  it("CertificateClient: backup, purge and restore bring back the certificate with its key and secret; restoring again is 409", () => {
    assert.equal(result.errors.certificate_backup, undefined, transcript());
    assert.deepEqual(result.certificate_backup, { restored: true, restore_again_status: 409 });
  });

  it("the exit code is 0 (nothing failed)", () => {
    assert.equal(exitCode, 0, transcript());
    assert.deepEqual(result.errors, {});
  });

  it("the RS256 and ES256 signatures Keyhold made for Python verify in node:crypto over the message", async (t) => {
    if (!result.keys) return t.skip("the keys section failed");
    const { message, rsa, ec } = result.keys;
    const rsaKey = createPublicKey({ key: { kty: "RSA", n: rsa.n, e: rsa.e }, format: "jwk" });
    const rs256 = Buffer.from(rsa.rs256, "base64url");
    assert.equal(verify("sha256", Buffer.from(message), rsaKey, rs256), true);
    assert.equal(verify("sha256", Buffer.from(`${message}!`), rsaKey, rs256), false);

    const ecKey = createPublicKey({ key: { kty: "EC", crv: ec.crv, x: ec.x, y: ec.y }, format: "jwk" });
    const es256 = { key: ecKey, dsaEncoding: "ieee-p1363" as const };
    assert.equal(verify("sha256", Buffer.from(message), es256, Buffer.from(ec.es256, "base64url")), true);
    assert.equal(verify("sha256", Buffer.from(`${message}!`), es256, Buffer.from(ec.es256, "base64url")), false);

    // The key Python created is the one the JavaScript SDK reads back.
    const { client } = keyClientFor(server);
    const name = new URL(rsa.kid).pathname.split("/")[2]!;
    const fromJs = await client.getKey(name);
    assert.equal(fromJs.id, rsa.kid);
    assert.equal(Buffer.from(fromJs.key!.n!).toString("base64url"), rsa.n);
  });

  it("the certificates Python created read the same in node:crypto: subject, SANs, self-signed, public key = the key's JWK", async (t) => {
    if (!result.certificates) return t.skip("the certificates section failed");
    const { default: rsa, custom } = result.certificates;
    const rsaCert = new X509Certificate(Buffer.from(rsa.cer, "base64url"));
    assert.equal(rsaCert.subject, "CN=DefaultPolicy");
    assert.ok(rsaCert.verify(rsaCert.publicKey), "self-signed with its own key");
    assert.deepEqual(rsaCert.publicKey.export({ format: "jwk" }), { kty: "RSA", n: rsa.jwk.n, e: rsa.jwk.e });

    const ecCert = new X509Certificate(Buffer.from(custom.cer, "base64url"));
    assert.equal(ecCert.subject, "CN=py.keyhold.test\nO=Keyhold Python");
    assert.equal(ecCert.subjectAltName, "DNS:py.keyhold.test, DNS:api.py.keyhold.test");
    assert.ok(ecCert.verify(ecCert.publicKey), "self-signed with its own key");
    assert.deepEqual(ecCert.publicKey.export({ format: "jwk" }), { kty: "EC", crv: "P-384", x: custom.jwk.x, y: custom.jwk.y });

    // The certificate Python created is the one the JavaScript SDK's KeyClient reads back.
    const fromJs = await keyClientFor(server).client.getKey(rsa.name);
    assert.equal(fromJs.properties.version, rsa.version);
    assert.equal(Buffer.from(fromJs.key!.n!).toString("base64url"), rsa.jwk.n);
  });

  it("the certificates Python imported carry, in node:crypto, the public key of the key Keyhold serves for them", (t) => {
    if (!result.certificate_import) return t.skip("the certificate_import section failed");
    for (const imported of Object.values(result.certificate_import)) {
      const cert = new X509Certificate(Buffer.from(imported.cer, "base64url"));
      assert.deepEqual(cert.publicKey.export({ format: "jwk" }), imported.jwk, `${imported.name}: the key is not the certificate's`);
    }
  });
});
