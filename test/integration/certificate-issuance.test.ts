import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { OpensslCa } from "../support/openssl-ca.js";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const API = "api-version=2025-07-01";

const pemToDer = (pem: string) => new X509Certificate(pem).raw;

/** Issuer Unknown (CSR and merge), cancel, import (PEM and PFX) and backup/restore, through the HTTP layer. */
describe("certificates signed outside the vault, imported, backed up", () => {
  let t: TestApp;
  let ca: OpensslCa;
  before(async () => {
    t = await createTestApp();
    ca = new OpensslCa();
  });
  after(async () => {
    await t.close();
    ca.close();
  });

  const call = (method: "GET" | "PATCH" | "POST" | "DELETE" | "PUT", path: string, body?: object) =>
    t.app.inject({
      method,
      url: `${path}?${API}`,
      headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });
  const createUnknown = (name: string) =>
    call("POST", `/certificates/${name}/create`, {
      policy: { issuer: { name: "Unknown" }, x509_props: { subject: "CN=merge.example", sans: { dns_names: ["merge.example"] } } },
    });

  it("leaves an Unknown-issuer certificate in progress with a real CSR for its new key, and shows the waiting version", async () => {
    const res = await createUnknown("csr-one");
    assert.equal(res.statusCode, 202);
    const op = res.json();
    assert.equal(op.status, "inProgress");
    assert.equal(op.issuer.name, "Unknown");
    assert.match(op.status_details, /Merge/);
    const csrPem = `-----BEGIN CERTIFICATE REQUEST-----\n${op.csr}\n-----END CERTIFICATE REQUEST-----\n`;
    writeFileSync(ca.path("check.csr"), csrPem);
    // openssl checks the request's self-signature (proof of possession) and reads its subject.
    const text = ca.run("req", "-in", ca.path("check.csr"), "-verify", "-noout", "-subject").toString();
    assert.match(text, /CN ?= ?merge\.example/);

    const bundle = (await call("GET", "/certificates/csr-one")).json();
    assert.equal(bundle.attributes.enabled, false);
    assert.equal(bundle.cer, undefined);
    assert.equal(bundle.kid, undefined);
    assert.deepEqual(bundle.pending, { id: `https://${VAULT_HOST}/certificates/csr-one/pending` });
    assert.equal((await call("GET", "/keys/csr-one")).statusCode, 404);
    assert.equal((await call("GET", "/secrets/csr-one")).statusCode, 404);
  });

  it("lists a certificate still waiting for its certificate only with includePending=true", async () => {
    await createUnknown("listed-pending");
    const names = async (query: string) => {
      const res = await t.app.inject({
        method: "GET",
        url: `/certificates?${API}&maxresults=25${query}`,
        headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}` },
      });
      const found: string[] = [];
      let page = res.json();
      for (;;) {
        found.push(...page.value.map((item: { id: string }) => item.id.split("/").pop()));
        if (!page.nextLink) return found;
        const next = new URL(page.nextLink);
        page = (
          await t.app.inject({
            method: "GET",
            url: `${next.pathname}${next.search}`,
            headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}` },
          })
        ).json();
      }
    };
    assert.ok(!(await names("")).includes("listed-pending"));
    assert.ok((await names("&includePending=true")).includes("listed-pending"));
  });

  it("merges the chain an outside CA signed (201): a new version with the pending key, its secret a PFX with the chain", async () => {
    const op = (await createUnknown("merged")).json();
    const leafPem = ca.sign(op.csr);
    const x5c = [pemToDer(leafPem).toString("base64"), pemToDer(ca.caPem).toString("base64")];
    const res = await call("POST", "/certificates/merged/pending/merge", { x5c });
    assert.equal(res.statusCode, 201, res.body);
    const bundle = res.json();
    const leaf = new X509Certificate(Buffer.from(bundle.cer, "base64"));
    assert.ok(leaf.verify(new X509Certificate(ca.caPem).publicKey));
    assert.equal(bundle.attributes.enabled, true);
    assert.equal(bundle.attributes.exp, Math.floor(Date.parse(leaf.validTo) / 1000));
    const key = (await call("GET", "/keys/merged")).json().key;
    assert.ok(createPublicKey({ key, format: "jwk" }).equals(leaf.publicKey));
    assert.equal(bundle.kid.split("/").pop(), bundle.id.split("/").pop());
    assert.equal((await call("GET", "/certificates/merged/pending")).json().status, "completed");

    const secret = (await call("GET", "/secrets/merged")).json();
    assert.equal(secret.contentType, "application/x-pkcs12");
    const pfx = join(ca.dir, "merged.pfx");
    writeFileSync(pfx, Buffer.from(secret.value, "base64"));
    const certificates = ca.run("pkcs12", "-in", pfx, "-passin", "pass:", "-nokeys").toString();
    assert.equal(certificates.match(/BEGIN CERTIFICATE/g)?.length, 2, "the PFX carries the leaf and the CA");
    // The merge is over: a second one finds nothing pending.
    assert.equal((await call("POST", "/certificates/merged/pending/merge", { x5c })).statusCode, 404);
  });

  it("accepts x5c entries holding PEM text or base64 text, as the official clients send what users read from files", async () => {
    const op = (await createUnknown("merged-pem")).json();
    const leafPem = ca.sign(op.csr);
    const body = leafPem.split("\n").slice(1, -2).join("");
    const asText = Buffer.from(body).toString("base64");
    const res = await call("POST", "/certificates/merged-pem/pending/merge", { x5c: [asText] });
    assert.equal(res.statusCode, 201, res.body);
    const op2 = (await createUnknown("merged-pem2")).json();
    const pem = Buffer.from(ca.sign(op2.csr)).toString("base64");
    assert.equal((await call("POST", "/certificates/merged-pem2/pending/merge", { x5c: [pem] })).statusCode, 201);
  });

  it("refuses a merge of a certificate for another key, and changes nothing", async () => {
    await createUnknown("wrong-key");
    writeFileSync(ca.path("other.csr"), ca.run("req", "-new", "-key", ca.path("other.key"), "-subj", "/CN=other"));
    const leaf = ca
      .run("x509", "-req", "-in", ca.path("other.csr"), "-CA", ca.path("ca.pem"), "-CAkey", ca.path("ca.key"), "-days", "5")
      .toString();
    const res = await call("POST", "/certificates/wrong-key/pending/merge", { x5c: [pemToDer(leaf).toString("base64")] });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, "BadParameter");
    assert.equal((await call("GET", "/certificates/wrong-key/pending")).json().status, "inProgress");
    assert.equal((await call("GET", "/keys/wrong-key")).statusCode, 404);
    assert.equal((await call("GET", "/certificates/wrong-key/versions")).json().value.length, 1);
    const garbage = await call("POST", "/certificates/wrong-key/pending/merge", {
      x5c: [Buffer.from("not a certificate").toString("base64")],
    });
    assert.equal(garbage.statusCode, 400);
  });

  it("cancels an operation in progress, after which nothing can be merged; an operation that is over cannot be cancelled", async () => {
    const op = (await createUnknown("cancelled")).json();
    const res = await call("PATCH", "/certificates/cancelled/pending", { cancellation_requested: true });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().cancellation_requested, true);
    assert.equal(res.json().status, "cancelled");
    const merge = await call("POST", "/certificates/cancelled/pending/merge", { x5c: [pemToDer(ca.sign(op.csr)).toString("base64")] });
    assert.equal(merge.statusCode, 404);
    assert.equal((await call("PATCH", "/certificates/cancelled/pending", { cancellation_requested: true })).statusCode, 400);
    assert.equal((await call("PATCH", "/certificates/cancelled/pending", {})).statusCode, 400);
  });

  const pemBundle = (keyPem: string, certPem: string, chain = "") => `${keyPem}${certPem}${chain}`;
  const makeLeaf = (keyFile: string, subject: string) =>
    ca
      .run(
        "req",
        "-new",
        "-x509",
        "-key",
        ca.path(keyFile),
        "-subj",
        subject,
        "-days",
        "90",
        "-addext",
        "subjectAltName=DNS:imp.example,email:a@imp.example",
        "-addext",
        "keyUsage=critical,digitalSignature",
        "-addext",
        "extendedKeyUsage=serverAuth",
      )
      .toString();

  it("imports PEM with a PKCS#8, PKCS#1 or SEC1 key, and makes the policy from the certificate", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const ec = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey;
    const keys = {
      "pkcs8-rsa": rsa.export({ format: "pem", type: "pkcs8" }) as string,
      "pkcs1-rsa": rsa.export({ format: "pem", type: "pkcs1" }) as string,
      "sec1-ec": ec.export({ format: "pem", type: "sec1" }) as string,
    };
    for (const [name, keyPem] of Object.entries(keys)) {
      writeFileSync(ca.path(`${name}.key`), keyPem);
      const cert = makeLeaf(`${name}.key`, `/CN=${name}.example/O=Imports`);
      const res = await call("POST", `/certificates/${name}/import`, { value: pemBundle(keyPem, cert) });
      assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
      const bundle = res.json();
      assert.equal(Buffer.from(bundle.cer, "base64").equals(new X509Certificate(cert).raw), true);
      assert.equal(bundle.policy.issuer.name, "Unknown");
      assert.equal(bundle.policy.x509_props.subject, `CN=${name}.example, O=Imports`);
      assert.deepEqual(bundle.policy.x509_props.sans, { dns_names: ["imp.example"], emails: ["a@imp.example"] });
      assert.deepEqual(bundle.policy.x509_props.key_usage, ["digitalSignature"]);
      assert.deepEqual(bundle.policy.x509_props.ekus, ["1.3.6.1.5.5.7.3.1"]);
      assert.equal(bundle.policy.x509_props.validity_months, 3);
      assert.equal(bundle.policy.key_props.kty, name.endsWith("ec") ? "EC" : "RSA");
      const key = (await call("GET", `/keys/${name}`)).json().key;
      assert.ok(createPublicKey({ key, format: "jwk" }).equals(createPublicKey(createPrivateKey(keyPem))));
    }
  });

  it("imports a PFX with and without a password, keeping its chain in the certificate's secret", async () => {
    const keyFile = ca.path("pfx.key");
    writeFileSync(keyFile, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }));
    writeFileSync(ca.path("pfx.csr"), ca.run("req", "-new", "-key", keyFile, "-subj", "/CN=pfx.example"));
    writeFileSync(
      ca.path("pfx.pem"),
      ca.run("x509", "-req", "-in", ca.path("pfx.csr"), "-CA", ca.path("ca.pem"), "-CAkey", ca.path("ca.key"), "-days", "30"),
    );
    for (const password of ["s3cret", ""]) {
      const pfx = ca.run(
        "pkcs12",
        "-export",
        "-inkey",
        keyFile,
        "-in",
        ca.path("pfx.pem"),
        "-certfile",
        ca.path("ca.pem"),
        "-passout",
        `pass:${password}`,
      );
      const name = `pfx-${password === "" ? "open" : "locked"}`;
      const body = { value: pfx.toString("base64"), ...(password && { pwd: password }) };
      const res = await call("POST", `/certificates/${name}/import`, body);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(Buffer.from(res.json().cer, "base64").equals(pemToDer(readFileSync(ca.path("pfx.pem"), "utf8"))), true);
      const secret = (await call("GET", `/secrets/${name}`)).json();
      writeFileSync(ca.path("back.pfx"), Buffer.from(secret.value, "base64"));
      const certificates = ca.run("pkcs12", "-in", ca.path("back.pfx"), "-passin", "pass:", "-nokeys").toString();
      assert.equal(certificates.match(/BEGIN CERTIFICATE/g)?.length, 2);
    }
  });

  it("imports with a policy asking for a PEM secret, disabled and tagged as the request says", async () => {
    const keyPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    writeFileSync(ca.path("pem-secret.key"), keyPem);
    const cert = makeLeaf("pem-secret.key", "/CN=pem-secret");
    const res = await call("POST", "/certificates/pem-secret/import", {
      value: pemBundle(keyPem, cert),
      policy: { secret_props: { contentType: "application/x-pem-file" }, key_props: { exportable: true } },
      attributes: { enabled: false },
      tags: { team: "web" },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().attributes.enabled, false);
    assert.deepEqual(res.json().tags, { team: "web" });
    assert.equal(res.json().policy.secret_props.contentType, "application/x-pem-file");
    assert.equal((await call("GET", "/keys/pem-secret")).json().attributes.enabled, false);
    const secret = await call("GET", "/secrets/pem-secret");
    // A disabled secret cannot be read, as Azure answers it.
    assert.equal(secret.statusCode, 403);
    // Enabling the certificate enables its key and secret with it; the answer carries the policy, as Azure's does.
    const patched = await call("PATCH", "/certificates/pem-secret", { attributes: { enabled: true } });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().policy.secret_props.contentType, "application/x-pem-file");
    assert.equal(patched.json().contentType, "application/x-pem-file");
    const enabled = await call("GET", "/secrets/pem-secret");
    assert.equal(enabled.statusCode, 200);
    assert.equal(enabled.json().contentType, "application/x-pem-file");
    assert.match(enabled.json().value, /^-----BEGIN PRIVATE KEY-----[\s\S]*-----BEGIN CERTIFICATE-----/);
    assert.equal((await call("GET", "/keys/pem-secret")).json().attributes.enabled, true);
  });

  it("refuses a corrupt PFX, a wrong password, a key that is not the certificate's and a weak key, storing nothing", async () => {
    const keyFile = ca.path("pfx.key");
    const pfx = ca.run("pkcs12", "-export", "-inkey", keyFile, "-in", ca.path("pfx.pem"), "-passout", "pass:right");
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    writeFileSync(ca.path("weak.key"), weak);
    const weakCert = ca.run("req", "-new", "-x509", "-key", ca.path("weak.key"), "-subj", "/CN=weak", "-days", "5").toString();
    const otherKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    const cases: [string, object][] = [
      ["corrupt", { value: pfx.subarray(0, pfx.length - 40).toString("base64") }],
      ["wrong-password", { value: pfx.toString("base64"), pwd: "wrong" }],
      ["not-its-key", { value: pemBundle(otherKey, readFileSync(ca.path("pfx.pem"), "utf8")) }],
      ["weak-key", { value: pemBundle(weak, weakCert) }],
      ["no-key", { value: readFileSync(ca.path("pfx.pem"), "utf8") }],
      ["bad-policy", { value: pfx.toString("base64"), pwd: "right", policy: { key_props: { kty: "EC" } } }],
    ];
    for (const [name, body] of cases) {
      const res = await call("POST", `/certificates/${name}/import`, body);
      assert.equal(res.statusCode, 400, `${name}: ${res.body}`);
      assert.equal(res.json().error.code, "BadParameter", name);
      assert.doesNotMatch(res.body, /right|BEGIN/, name);
      for (const collection of ["certificates", "keys", "secrets"]) {
        assert.equal((await call("GET", `/${collection}/${name}`)).statusCode, 404, `${name}: ${collection}`);
      }
    }
  });

  it("keeps the key for a new version with reuse_key, makes a new one without, and refuses an unsupported curve", async () => {
    const keyOf = async (name: string) => (await call("GET", `/keys/${name}`)).json().key.n as string;
    const policy = (reuse: boolean) => ({ issuer: { name: "Self" }, x509_props: { subject: "CN=r" }, key_props: { reuse_key: reuse } });
    for (const reuse of [true, false]) {
      const name = reuse ? "reused" : "fresh";
      assert.equal((await call("POST", `/certificates/${name}/create`, { policy: policy(reuse) })).statusCode, 202);
      const first = await keyOf(name);
      assert.equal((await call("POST", `/certificates/${name}/create`, {})).statusCode, 202);
      assert.equal((await call("GET", `/certificates/${name}/versions`)).json().value.length, 2);
      assert.equal((await keyOf(name)) === first, reuse, name);
    }
    const curve = await call("POST", "/certificates/curvy/create", {
      policy: { issuer: { name: "Self" }, x509_props: { subject: "CN=c" }, key_props: { kty: "EC", crv: "P-192" } },
    });
    assert.equal(curve.statusCode, 400);
    assert.equal(curve.json().error.code, "BadParameter");
    assert.equal((await call("GET", "/certificates/curvy")).statusCode, 404);
  });

  it("backs up a certificate with its key and secret, and restores all three after a purge", async () => {
    const created = await call("POST", "/certificates/kept/create", {
      policy: { issuer: { name: "Self" }, x509_props: { subject: "CN=kept" } },
    });
    assert.equal(created.statusCode, 202);
    const before = (await call("GET", "/certificates/kept")).json();
    const secretBefore = (await call("GET", "/secrets/kept")).json().value;
    const backup = await call("POST", "/certificates/kept/backup");
    assert.equal(backup.statusCode, 200);
    const blob = backup.json().value;

    assert.equal((await call("POST", "/certificates/restore", { value: blob })).statusCode, 409, "the name is taken");
    assert.equal((await call("DELETE", "/certificates/kept")).statusCode, 200);
    assert.equal((await call("DELETE", "/deletedcertificates/kept")).statusCode, 204);
    for (const collection of ["keys", "secrets"]) assert.equal((await call("GET", `/${collection}/kept`)).statusCode, 404);

    const restored = await call("POST", "/certificates/restore", { value: blob });
    assert.equal(restored.statusCode, 200, restored.body);
    assert.equal(restored.json().id, before.id);
    assert.equal(restored.json().cer, before.cer);
    assert.equal(restored.json().policy.x509_props.subject, "CN=kept");
    assert.equal((await call("GET", "/secrets/kept")).json().value, secretBefore);
    assert.equal((await call("GET", "/keys/kept")).json().key.kid.split("/").pop(), before.id.split("/").pop());
    assert.equal((await call("GET", "/certificates/kept/policy")).json().x509_props.subject, "CN=kept");
    // The restored key and secret are the certificate's still: managed, refused for direct changes.
    assert.equal((await call("DELETE", "/secrets/kept")).statusCode, 403);
  });
});
