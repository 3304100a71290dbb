import assert from "node:assert/strict";
import { X509Certificate, createPublicKey } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:https";
import { after, before, describe, it } from "node:test";
import { type CertificateClient, type CertificatePolicy, DefaultCertificatePolicy } from "@azure/keyvault-certificates";
import type { KeyClient } from "@azure/keyvault-keys";
import type { SecretClient } from "@azure/keyvault-secrets";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { keyClientFor } from "../support/keys-sdk.js";
import { certificateClientFor, secretClientFor } from "../support/sdk.js";
import { fetchOverTls } from "../support/tls-fetch.js";

const DAY_MS = 86_400_000;
const fast = { updateIntervalInMs: 20, intervalInMs: 20 };

/** Certificates through the official CertificateClient, with their keys and secrets, against a live `keyhold dev`. */
describe("CertificateClient against a live server", () => {
  let server: DevServer;
  let certificates: CertificateClient;
  let keys: KeyClient;
  let secrets: SecretClient;

  before(async () => {
    server = await startDevServer();
    certificates = certificateClientFor(server);
    keys = keyClientFor(server).client;
    secrets = secretClientFor(server);
  });
  after(async () => {
    await server.stop();
  });

  it("creates a self-signed certificate with the default policy, its key and its secret", async () => {
    const started = Date.now();
    const poller = await certificates.beginCreateCertificate("web", DefaultCertificatePolicy, fast);
    const created = await poller.pollUntilDone();
    assert.equal(created.name, "web");
    assert.match(created.properties.version!, /^[0-9a-f]{32}$/);
    assert.equal(created.policy?.issuerName, "Self");

    const latest = await certificates.getCertificate("web");
    assert.equal(latest.properties.version, created.properties.version);
    assert.equal(latest.policy?.subject, "cn=MyCert");
    assert.equal(latest.policy?.contentType, "application/x-pkcs12");
    assert.equal(latest.keyId, `${server.env.KEY_VAULT_URL}/keys/web/${created.properties.version}`);
    assert.equal(latest.secretId, `${server.env.KEY_VAULT_URL}/secrets/web/${created.properties.version}`);
    const byVersion = await certificates.getCertificateVersion("web", created.properties.version!);
    assert.deepEqual(Buffer.from(byVersion.cer!), Buffer.from(latest.cer!));

    const x509 = new X509Certificate(Buffer.from(latest.cer!));
    assert.equal(x509.subject, "CN=MyCert");
    assert.equal(x509.issuer, "CN=MyCert");
    assert.ok(x509.verify(x509.publicKey), "self-signed with its own key");
    const from = new Date(x509.validFrom).getTime();
    const to = new Date(x509.validTo).getTime();
    assert.ok(Math.abs(from - started) < 60_000, "valid from its creation");
    assert.ok(to - from >= 365 * DAY_MS && to - from <= 366 * DAY_MS, "valid for 12 months");
    assert.equal(latest.properties.notBefore?.getTime(), from);
    assert.equal(latest.properties.expiresOn?.getTime(), to);
    assert.equal(Buffer.from(latest.properties.x509Thumbprint!).toString("hex"), x509.fingerprint.replaceAll(":", "").toLowerCase());

    const key = await keys.getKey("web");
    assert.equal(key.properties.managed, true);
    assert.equal(key.properties.version, created.properties.version);
    assert.equal(key.keyType, "RSA");
    const jwk = x509.publicKey.export({ format: "jwk" });
    assert.equal(Buffer.from(key.key!.n!).toString("base64url"), jwk.n);
    assert.equal(Buffer.from(key.key!.e!).toString("base64url"), jwk.e);

    const secret = await secrets.getSecret("web");
    assert.equal(secret.properties.managed, true);
    assert.equal(secret.properties.contentType, "application/x-pkcs12");
    assert.equal(secret.properties.version, created.properties.version);
    // The PFX has no password; a TLS server made from it is trusted by a client that trusts the certificate.
    const https = createServer({ pfx: Buffer.from(secret.value!, "base64") }, (_req, res) => res.end("hello over TLS"));
    https.listen(0, "127.0.0.1");
    await once(https, "listening");
    try {
      assert.equal(await fetchOverTls(https, x509.toString(), "MyCert"), "hello over TLS");
    } finally {
      https.close();
    }
  });

  it("answers the completed operation on …/pending until it is deleted", async () => {
    await (await certificates.beginCreateCertificate("op-cert", DefaultCertificatePolicy, fast)).pollUntilDone();
    const poller = await certificates.getCertificateOperation("op-cert", fast);
    assert.equal(poller.getOperationState().certificateOperation?.status, "completed");
    assert.equal(poller.getOperationState().certificateOperation?.target, `${server.env.KEY_VAULT_URL}/certificates/op-cert`);
    const deleted = await certificates.deleteCertificateOperation("op-cert");
    assert.equal(deleted.status, "completed");
    await assert.rejects(certificates.getCertificateOperation("op-cert"), (e: any) => e.statusCode === 404);
    assert.equal((await certificates.getCertificate("op-cert")).name, "op-cert");
  });

  it("makes an EC P-256 certificate with SANs and a PEM secret", async () => {
    const policy: CertificatePolicy = {
      issuerName: "Self",
      subject: "CN=ec.example, O=Keyhold",
      keyType: "EC",
      keyCurveName: "P-256",
      contentType: "application/x-pem-file",
      validityInMonths: 3,
      subjectAlternativeNames: { dnsNames: ["localhost", "ec.example"], emails: ["ops@ec.example"] },
    };
    const created = await (await certificates.beginCreateCertificate("ec-cert", policy, fast)).pollUntilDone();
    const x509 = new X509Certificate(Buffer.from(created.cer!));
    assert.equal(x509.subject, "CN=ec.example\nO=Keyhold");
    assert.equal(x509.subjectAltName, "DNS:localhost, DNS:ec.example, email:ops@ec.example");
    assert.equal(x509.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.ok(x509.verify(x509.publicKey));

    const key = await keys.getKey("ec-cert");
    assert.equal(key.keyType, "EC");
    assert.equal(key.key?.crv, "P-256");
    assert.equal(Buffer.from(key.key.x!).toString("base64url"), x509.publicKey.export({ format: "jwk" }).x);

    const secret = await secrets.getSecret("ec-cert");
    assert.equal(secret.properties.contentType, "application/x-pem-file");
    assert.match(secret.value!, /^-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
    // The PEM's key is the certificate's: a TLS server with both is trusted by name (the SAN localhost).
    const https = createServer({ key: secret.value!, cert: secret.value! }, (_req, res) => res.end("ec"));
    https.listen(0, "127.0.0.1");
    await once(https, "listening");
    try {
      assert.equal(await fetchOverTls(https, x509.toString(), "localhost"), "ec");
    } finally {
      https.close();
    }
    assert.equal(createPublicKey(secret.value!).export({ format: "jwk" }).x, key.key?.x && Buffer.from(key.key.x).toString("base64url"));
  });

  it("gets and updates the policy, merging the fields given", async () => {
    await (await certificates.beginCreateCertificate("policy-cert", DefaultCertificatePolicy, fast)).pollUntilDone();
    const policy = await certificates.getCertificatePolicy("policy-cert");
    assert.equal(policy.keyType, "RSA");
    assert.equal(policy.keySize, 2048);
    assert.equal(policy.exportable, true);
    assert.equal(policy.validityInMonths, 12);
    assert.equal(policy.lifetimeActions?.length, 1);
    assert.equal(policy.lifetimeActions?.[0]?.action, "AutoRenew");
    assert.equal(policy.lifetimeActions?.[0]?.lifetimePercentage, 80);
    // The client drops the answer to the PATCH (it resolves with an empty policy), so the change is read back.
    await certificates.updateCertificatePolicy("policy-cert", { ...policy, validityInMonths: 24, subject: "CN=Renamed" });
    const updated = await certificates.getCertificatePolicy("policy-cert");
    assert.equal(updated.validityInMonths, 24);
    assert.equal(updated.subject, "CN=Renamed");
    assert.equal(updated.keySize, 2048);
    assert.equal((await certificates.getCertificate("policy-cert")).policy?.subject, "CN=Renamed");
    await assert.rejects(
      certificates.updateCertificatePolicy("policy-cert", { ...policy, keySize: 1024 }),
      (e: any) => e.statusCode === 400 && /key_size/.test(e.message),
    );
  });

  it("updates properties and lists certificates and versions", async () => {
    const first = await (await certificates.beginCreateCertificate("listed", DefaultCertificatePolicy, fast)).pollUntilDone();
    const second = await (await certificates.beginCreateCertificate("listed", DefaultCertificatePolicy, fast)).pollUntilDone();
    assert.notEqual(first.properties.version, second.properties.version);

    const updated = await certificates.updateCertificateProperties("listed", first.properties.version!, {
      enabled: false,
      tags: { env: "test" },
    });
    assert.equal(updated.properties.enabled, false);
    assert.deepEqual(updated.properties.tags, { env: "test" });
    assert.equal((await certificates.getCertificateVersion("listed", first.properties.version!)).properties.enabled, false);

    const names: string[] = [];
    for await (const p of certificates.listPropertiesOfCertificates()) names.push(p.name!);
    assert.ok(names.includes("listed") && names.includes("web"), names.join());
    const versions: string[] = [];
    for await (const p of certificates.listPropertiesOfCertificateVersions("listed")) {
      assert.ok(p.x509Thumbprint && p.x509Thumbprint.length === 20);
      versions.push(p.version!);
    }
    assert.deepEqual(versions.sort(), [first.properties.version!, second.properties.version!].sort());
  });

  it("deletes, recovers and purges the certificate with its key and secret", async () => {
    await (await certificates.beginCreateCertificate("gone", DefaultCertificatePolicy, fast)).pollUntilDone();
    // The key and the secret belong to the certificate: they cannot be deleted on their own.
    await assert.rejects(
      secrets.beginDeleteSecret("gone"),
      (e: any) => e.statusCode === 403 && e.details?.error?.innerError?.code === "SecretManagedByKeyVault",
    );
    await assert.rejects(keys.beginDeleteKey("gone"), (e: any) => e.statusCode === 403);

    const deleted = await (await certificates.beginDeleteCertificate("gone", fast)).pollUntilDone();
    assert.equal(deleted.recoveryId, `${server.env.KEY_VAULT_URL}/deletedcertificates/gone`);
    assert.equal((await certificates.getDeletedCertificate("gone")).name, "gone");
    assert.equal((await keys.getDeletedKey("gone")).name, "gone");
    assert.equal((await secrets.getDeletedSecret("gone")).name, "gone");
    await assert.rejects(certificates.getCertificate("gone"), (e: any) => e.statusCode === 404);

    const recovered = await (await certificates.beginRecoverDeletedCertificate("gone", fast)).pollUntilDone();
    assert.equal(recovered.name, "gone");
    assert.equal((await keys.getKey("gone")).properties.managed, true);
    assert.equal((await secrets.getSecret("gone")).properties.managed, true);

    await (await certificates.beginDeleteCertificate("gone", fast)).pollUntilDone();
    await certificates.purgeDeletedCertificate("gone");
    await assert.rejects(certificates.getDeletedCertificate("gone"), (e: any) => e.statusCode === 404);
    await assert.rejects(keys.getDeletedKey("gone"), (e: any) => e.statusCode === 404);
    await assert.rejects(secrets.getDeletedSecret("gone"), (e: any) => e.statusCode === 404);
    // The name is free again for all three.
    await (await certificates.beginCreateCertificate("gone", DefaultCertificatePolicy, fast)).pollUntilDone();
  });
});
