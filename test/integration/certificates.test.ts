import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const API = "api-version=2025-07-01";

/** The certificate routes in-process: what the official client cannot show (the wire, refusals, the store). */
describe("certificates", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "GET" | "PATCH" | "POST" | "DELETE" | "PUT", path: string, body?: object) =>
    t.app.inject({
      method,
      url: `${path}?${API}`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });
  const create = (name: string, policy?: object) => call("POST", `/certificates/${name}/create`, policy ? { policy } : {});
  const selfPolicy = (extra: object = {}) => ({ issuer: { name: "Self" }, x509_props: { subject: "CN=test" }, ...extra });

  it("answers create with 202 in progress, as Azure does, and the operation is then completed, naming the certificate", async () => {
    const res = await create("wire-cert", selfPolicy());
    assert.equal(res.statusCode, 202);
    assert.equal(res.json().status, "inProgress");
    assert.equal(res.json().target, undefined);
    const op = (await call("GET", "/certificates/wire-cert/pending")).json();
    assert.equal(op.id, `https://${VAULT_HOST}/certificates/wire-cert/pending`);
    assert.equal(op.status, "completed");
    assert.equal(op.target, `https://${VAULT_HOST}/certificates/wire-cert`);
    assert.equal(op.issuer.name, "Self");
    assert.equal(op.csr, undefined);
    const bundle = (await call("GET", "/certificates/wire-cert")).json();
    assert.equal(bundle.contentType, "application/x-pkcs12");
    assert.equal(bundle.policy.id, `https://${VAULT_HOST}/certificates/wire-cert/policy`);
    // The secret's and the key's versions are the certificate's.
    const version = bundle.id.split("/").pop();
    assert.equal(bundle.kid, `https://${VAULT_HOST}/keys/wire-cert/${version}`);
    assert.equal((await call("GET", `/secrets/wire-cert/${version}`)).json().managed, true);
    assert.equal((await call("GET", `/keys/wire-cert/${version}`)).json().managed, true);
  });

  it("makes a new version by the stored policy when the request gives none", async () => {
    assert.equal((await create("by-stored", selfPolicy({ x509_props: { subject: "CN=stored", validity_months: 2 } }))).statusCode, 202);
    assert.equal((await create("by-stored")).statusCode, 202);
    const versions = (await call("GET", "/certificates/by-stored/versions")).json().value;
    assert.equal(versions.length, 2);
    const latest = new X509Certificate(Buffer.from((await call("GET", "/certificates/by-stored")).json().cer, "base64"));
    assert.equal(latest.subject, "CN=stored");
    // A new certificate needs a policy.
    const res = await create("no-policy");
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /policy/);
  });

  it("keeps a non-exportable key out of the secret", async () => {
    const policy = selfPolicy({ key_props: { kty: "RSA", exportable: false }, secret_props: { contentType: "application/x-pem-file" } });
    assert.equal((await create("locked", policy)).statusCode, 202);
    const secret = (await call("GET", "/secrets/locked")).json();
    assert.equal(secret.contentType, "application/x-pem-file");
    assert.doesNotMatch(secret.value, /PRIVATE KEY/);
    assert.match(secret.value, /^-----BEGIN CERTIFICATE-----/);
  });

  it("refuses an issuer the vault has not registered, and names taken by a key or secret of its own", async () => {
    const unregistered = await create("csr-cert", { issuer: { name: "NoSuchIssuer" }, x509_props: { subject: "CN=x" } });
    assert.equal(unregistered.statusCode, 400);
    assert.match(unregistered.json().error.message, /not registered/);
    assert.equal((await call("GET", "/certificates/csr-cert")).statusCode, 404);

    assert.equal((await call("PUT", "/secrets/taken", { value: "mine" })).statusCode, 200);
    const taken = await create("taken", selfPolicy());
    assert.equal(taken.statusCode, 409);
    // Nothing of the certificate stays: not its key, not its version, not its policy.
    assert.equal((await call("GET", "/certificates/taken")).statusCode, 404);
    assert.equal((await call("GET", "/keys/taken")).statusCode, 404);
    assert.equal((await call("GET", "/certificates/taken/pending")).statusCode, 404);
  });

  it("answers 404 PendingCertificateNotFound after the operation is deleted, and for a certificate that does not exist", async () => {
    assert.equal((await create("pending-cert", selfPolicy())).statusCode, 202);
    const deleted = await call("DELETE", "/certificates/pending-cert/pending");
    assert.equal(deleted.statusCode, 200);
    assert.equal(deleted.json().status, "completed");
    const gone = await call("GET", "/certificates/pending-cert/pending");
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().error.code, "PendingCertificateNotFound");
    assert.equal((await call("DELETE", "/certificates/pending-cert/pending")).statusCode, 404);
    assert.equal((await call("GET", "/certificates/nothing-here/pending")).statusCode, 404);
  });

  it("refuses a policy update the policy rules refuse, and keeps the stored one", async () => {
    assert.equal((await create("strict", selfPolicy())).statusCode, 202);
    const res = await call("PATCH", "/certificates/strict/policy", { key_props: { key_size: 1024 } });
    assert.equal(res.statusCode, 400);
    assert.equal((await call("GET", "/certificates/strict/policy")).json().key_props.key_size, 2048);
    const ok = await call("PATCH", "/certificates/strict/policy", { x509_props: { validity_months: 6 } });
    assert.equal(ok.json().x509_props.validity_months, 6);
    assert.equal(ok.json().x509_props.subject, "CN=test");
  });

  it("refuses new versions of a certificate's key or secret from anyone but the certificate", async () => {
    assert.equal((await create("owned", selfPolicy())).statusCode, 202);
    const version = (await call("GET", "/certificates/owned")).json().id.split("/").pop();
    const refusals = [
      [await call("PUT", "/secrets/owned", { value: "other" }), "SecretManagedByKeyVault"],
      [
        await call("POST", "/secrets/import", {
          secrets: [
            { name: "free-name", value: "a" },
            { name: "owned", value: "b" },
          ],
        }),
        "SecretManagedByKeyVault",
      ],
      [await call("POST", "/keys/owned/create", { kty: "EC", crv: "P-256" }), "KeyManagedByKeyVault"],
      [await call("POST", "/keys/owned/rotate"), "KeyManagedByKeyVault"],
    ] as const;
    for (const [res, inner] of refusals) {
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().error.innererror.code, inner);
    }
    // The import is all or nothing; the key and the secret are still the certificate's version.
    assert.equal((await call("GET", "/secrets/free-name")).statusCode, 404);
    assert.equal((await call("GET", "/secrets/owned")).json().id.split("/").pop(), version);
    assert.equal((await call("GET", "/keys/owned")).json().key.kid.split("/").pop(), version);
  });
});
