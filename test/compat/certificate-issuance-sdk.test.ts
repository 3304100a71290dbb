import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate, createPublicKey } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CertificateClient, WellKnownIssuer } from "@azure/keyvault-certificates";
import type { KeyClient } from "@azure/keyvault-keys";
import type { SecretClient } from "@azure/keyvault-secrets";
import { adminApi } from "../support/admin-api.js";
import { type DevServer, newDataDir, startDevServer } from "../support/dev-server.js";
import { eventually } from "../support/eventually.js";
import { keyClientFor } from "../support/keys-sdk.js";
import { certificateClientFor, secretClientFor } from "../support/sdk.js";
import { fetchOverTls } from "../support/tls-fetch.js";

const DAY = 86_400;
const fast = { updateIntervalInMs: 20, intervalInMs: 20 };

/**
 * What the official CertificateClient does beyond self-signed certificates, against a live `keyhold dev`: a CSR
 * signed outside and merged, cancel, import, backup and restore, certificates from the built-in CA, and renewal.
 */
describe("CertificateClient: merge, import, backup, the built-in CA and renewal", () => {
  let server: DevServer;
  let certificates: CertificateClient;
  let keys: KeyClient;
  let secrets: SecretClient;
  let work: string;
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: work, stdio: ["ignore", "pipe", "pipe"] });

  before(async () => {
    server = await startDevServer(newDataDir(), ["--background-interval-ms", "200"]);
    certificates = certificateClientFor(server);
    keys = keyClientFor(server).client;
    secrets = secretClientFor(server);
    work = mkdtempSync(join(tmpdir(), "keyhold-sdk-ca-"));
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Team CA", "-days", "30", "-keyout", "ca.key", "-out", "ca.crt");
  });
  after(async () => {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("merges a CSR signed by an outside CA, as Microsoft's own test does it", async () => {
    await certificates.beginCreateCertificate("merged", { issuerName: WellKnownIssuer.Unknown, subject: "cn=MyCert" }, fast);
    const operation = (await certificates.getCertificateOperation("merged")).getOperationState().certificateOperation!;
    assert.equal(operation.status, "inProgress");
    const csr = Buffer.from(operation.csr!).toString("base64");
    writeFileSync(join(work, "test.csr"), `-----BEGIN CERTIFICATE REQUEST-----\n${csr}\n-----END CERTIFICATE REQUEST-----`);
    openssl("x509", "-req", "-in", "test.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "test.crt", "-days", "10");
    const crt = execFileSync("cat", [join(work, "test.crt")]).toString();
    const base64Crt = crt.split("\n").slice(1, -2).join("");
    const merged = await certificates.mergeCertificate("merged", [Buffer.from(base64Crt)]);
    assert.equal(merged.name, "merged");
    const leaf = new X509Certificate(Buffer.from(merged.cer!));
    assert.equal(leaf.subject, "CN=MyCert");
    assert.ok(leaf.verify(new X509Certificate(execFileSync("cat", [join(work, "ca.crt")])).publicKey));
    const { key } = await keys.getKey("merged");
    const jwk = { kty: "RSA", n: Buffer.from(key!.n!).toString("base64url"), e: Buffer.from(key!.e!).toString("base64url") };
    assert.ok(createPublicKey({ key: jwk, format: "jwk" }).equals(leaf.publicKey));
    assert.equal((await certificates.getCertificateOperation("merged")).getOperationState().certificateOperation!.status, "completed");
  });

  it("cancels a pending operation", async () => {
    const poller = await certificates.beginCreateCertificate(
      "to-cancel",
      { issuerName: WellKnownIssuer.Unknown, subject: "cn=Cancel" },
      fast,
    );
    await poller.cancelOperation();
    const operation = (await certificates.getCertificateOperation("to-cancel")).getOperationState().certificateOperation!;
    assert.equal(operation.cancellationRequested, true);
    assert.equal(operation.status, "cancelled");
  });

  it("imports a certificate from another certificate's secret, as bytes and as base64 text, as Microsoft's tests do", async () => {
    await (await certificates.beginCreateCertificate("source", { issuerName: "Self", subject: "cn=MyCert" }, fast)).pollUntilDone();
    const value = (await secrets.getSecret("source")).value!;
    const fromPfx = await certificates.importCertificate("imported", Buffer.from(value, "base64"));
    const source = await certificates.getCertificate("source");
    assert.deepEqual(Buffer.from(fromPfx.cer!), Buffer.from(source.cer!));
    assert.equal(fromPfx.policy?.issuerName, "Unknown");
    assert.equal(fromPfx.policy?.subject, "CN=MyCert");

    const asPemPolicy = await certificates.importCertificate("imported-pem", Buffer.from(value), {
      policy: { contentType: "application/x-pem-file" },
    });
    // The client sends the bytes as text (a PFX's base64) and no policy: Key Vault reads the content, not the type.
    assert.deepEqual(Buffer.from(asPemPolicy.cer!), Buffer.from(source.cer!));
  });

  it("imports a password-protected PFX", async () => {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-384",
      "-nodes",
      "-subj",
      "/CN=locked",
      "-days",
      "5",
      "-keyout",
      "l.key",
      "-out",
      "l.crt",
    );
    openssl("pkcs12", "-export", "-inkey", "l.key", "-in", "l.crt", "-passout", "pass:hunter2", "-out", "l.pfx");
    const pfx = execFileSync("cat", [join(work, "l.pfx")]);
    await assert.rejects(certificates.importCertificate("locked", pfx, { password: "wrong" }), { statusCode: 400 });
    const imported = await certificates.importCertificate("locked", pfx, { password: "hunter2" });
    assert.equal(imported.policy?.keyType, "EC");
    assert.equal(imported.policy?.keyCurveName, "P-384");
  });

  it("backs a certificate up and restores it after a purge, with its key and secret", async () => {
    await (await certificates.beginCreateCertificate("saved", { issuerName: "Self", subject: "cn=saved" }, fast)).pollUntilDone();
    const before = await certificates.getCertificate("saved");
    const blob = (await certificates.backupCertificate("saved"))!;
    await (await certificates.beginDeleteCertificate("saved", fast)).pollUntilDone();
    await certificates.purgeDeletedCertificate("saved");
    await eventually(() =>
      keys.getKey("saved").then(
        () => false,
        (e: { statusCode?: number }) => e.statusCode === 404,
      ),
    );
    const restored = await certificates.restoreCertificateBackup(blob);
    assert.equal(restored.properties.version, before.properties.version);
    assert.deepEqual(Buffer.from(restored.cer!), Buffer.from(before.cer!));
    assert.equal((await keys.getKey("saved")).properties.version, before.properties.version);
  });

  it("issues at once from the built-in CA, and a TLS server with the secret's PFX serves a client that trusts only that CA", async () => {
    const caPem = await (await fetch(`${server.url}/keyhold/ca.pem`)).text();
    const ca = new X509Certificate(caPem);
    assert.ok(ca.ca);
    const created = await (
      await certificates.beginCreateCertificate(
        "tls-site",
        { issuerName: "keyhold-ca", subject: "CN=site.internal", subjectAlternativeNames: { dnsNames: ["site.internal"] } },
        fast,
      )
    ).pollUntilDone();
    const leaf = new X509Certificate(Buffer.from(created.cer!));
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    assert.equal(leaf.issuer, ca.subject);
    assert.equal(leaf.subjectAltName, "DNS:site.internal");

    const pfx = Buffer.from((await secrets.getSecret("tls-site")).value!, "base64");
    const site = createServer({ pfx }, (_req, res) => res.end("served by the vault's certificate"));
    site.listen(0, "127.0.0.1");
    await once(site, "listening");
    try {
      assert.equal(await fetchOverTls(site, caPem, "site.internal"), "served by the vault's certificate");
      await assert.rejects(fetchOverTls(site, caPem, "other.internal"), /altnames|does not match/i);
    } finally {
      site.close();
    }
  });

  it("renews an AutoRenew certificate at 80 % of its lifetime when the dev clock passes it, and not before", async () => {
    const policy = {
      issuerName: "keyhold-ca",
      subject: "CN=renewing",
      validityInMonths: 12,
      lifetimeActions: [{ lifetimePercentage: 80, action: "AutoRenew" as const }],
    };
    const first = await (await certificates.beginCreateCertificate("renewing", policy, fast)).pollUntilDone();
    const notifying = {
      issuerName: "Self",
      subject: "CN=notify",
      lifetimeActions: [{ lifetimePercentage: 50, action: "EmailContacts" as const }],
    };
    await (await certificates.beginCreateCertificate("notifying", notifying, fast)).pollUntilDone();
    const notices = () =>
      server
        .output()
        .split("\n")
        .filter((line) => line.includes("/notifying") && line.includes("EmailContacts"));
    const admin = adminApi(server);
    const versions = async () => {
      const found: string[] = [];
      for await (const v of certificates.listPropertiesOfCertificateVersions("renewing")) found.push(v.version!);
      return found;
    };
    await admin("POST", "/keyhold/dev/clock", { advanceSeconds: 250 * DAY });
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(await versions(), [first.properties.version], "not renewed at 68 %");
    assert.ok(await eventually(async () => notices().length === 1), "EmailContacts is reported past 50 %");
    await admin("POST", "/keyhold/dev/clock", { advanceSeconds: 50 * DAY });
    assert.ok(await eventually(async () => (await versions()).length === 2), "renewed after 80 %");
    const renewed = await certificates.getCertificate("renewing");
    assert.notEqual(renewed.properties.version, first.properties.version);
    assert.ok(renewed.properties.expiresOn!.getTime() > first.properties.expiresOn!.getTime());
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await versions()).length, 2, "the new version is not due: one renewal");
    assert.equal(notices().length, 1, "reported once per version");
    const notifyingVersions: string[] = [];
    for await (const v of certificates.listPropertiesOfCertificateVersions("notifying")) notifyingVersions.push(v.version!);
    assert.equal(notifyingVersions.length, 1, "EmailContacts renews nothing");
  });
});
