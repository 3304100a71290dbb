import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const API = "api-version=2025-07-01";
const PASSWORD = "issuer-pwd-4f1c9e07b2";
const ACCOUNT = "account-7d3a55e1";

/** Issuers and contacts in-process: the wire, the refusals, the route precedence, and what the store holds. */
describe("certificate issuers and contacts", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await t.ctx.vaults.create({ name: "other-vault" }, t.principal.id);
  });
  after(async () => {
    await t.close();
  });

  const call = (method: "GET" | "PATCH" | "DELETE" | "PUT" | "POST", path: string, body?: object, host = VAULT_HOST) =>
    t.app.inject({
      method,
      url: path.includes("api-version=") ? path : `${path}${path.includes("?") ? "&" : "?"}${API}`,
      headers: { host, authorization: `Bearer ${t.token}`, ...(body && { "content-type": "application/json" }) },
      ...(body && { payload: JSON.stringify(body) }),
    });
  const issuerBody = (extra: object = {}) => ({
    provider: "DigiCert",
    credentials: { account_id: ACCOUNT, pwd: PASSWORD },
    org_details: { id: "org-1", admin_details: [{ first_name: "Ada", last_name: "Admin", email: "ada@contoso.com", phone: "555" }] },
    ...extra,
  });

  it("registers, reads, updates and deletes an issuer, never answering its password", async () => {
    const created = await call("PUT", "/certificates/issuers/DigiCert01", issuerBody());
    assert.equal(created.statusCode, 200);
    const bundle = created.json();
    assert.deepEqual(bundle, {
      id: `https://${VAULT_HOST}/certificates/issuers/DigiCert01`,
      provider: "DigiCert",
      credentials: { account_id: ACCOUNT },
      org_details: { id: "org-1", admin_details: [{ first_name: "Ada", last_name: "Admin", email: "ada@contoso.com", phone: "555" }] },
      attributes: { enabled: true, created: bundle.attributes.created, updated: bundle.attributes.created },
    });
    assert.deepEqual((await call("GET", "/certificates/issuers/digicert01")).json(), bundle, "names compare without regard to case");

    // PATCH merges: an empty credentials object (as the SDK sends) keeps account and password; admins are replaced whole.
    const patched = await call("PATCH", "/certificates/issuers/DIGICERT01", {
      credentials: {},
      org_details: { admin_details: [{ email: "bob@contoso.com" }] },
      attributes: { enabled: false },
    });
    assert.equal(patched.statusCode, 200);
    const updated = patched.json();
    assert.equal(updated.id, bundle.id, "the name as first written");
    assert.equal(updated.provider, "DigiCert");
    assert.deepEqual(updated.credentials, { account_id: ACCOUNT });
    assert.deepEqual(updated.org_details, { id: "org-1", admin_details: [{ email: "bob@contoso.com" }] });
    assert.equal(updated.attributes.enabled, false);
    assert.equal(updated.attributes.created, bundle.attributes.created);

    const deleted = await call("DELETE", "/certificates/issuers/DigiCert01");
    assert.equal(deleted.statusCode, 200);
    assert.deepEqual(deleted.json(), updated, "the issuer as it was");
    for (const method of ["GET", "PATCH", "DELETE"] as const) {
      const gone = await call(method, "/certificates/issuers/DigiCert01", method === "PATCH" ? { provider: "Test" } : undefined);
      assert.equal(gone.statusCode, 404, method);
      assert.deepEqual(gone.json().error, { code: "CertificateIssuerNotFound", message: "Issuer not found" });
    }
    for (const res of [created, patched, deleted]) assert.ok(!res.body.includes(PASSWORD), "the password is never answered");
  });

  it("replaces an issuer on PUT, keeping its creation date and its first name", async () => {
    const first = (await call("PUT", "/certificates/issuers/replaced", issuerBody())).json();
    const second = (await call("PUT", "/certificates/issuers/REPLACED", { provider: "Test" })).json();
    assert.deepEqual(second, {
      id: `https://${VAULT_HOST}/certificates/issuers/replaced`,
      provider: "Test",
      attributes: { enabled: true, created: first.attributes.created, updated: second.attributes.updated },
    });
  });

  it("refuses bad input with 400 and stores nothing", async () => {
    const cases: [string, string, unknown][] = [
      ["no provider", "/certificates/issuers/bad-1", { credentials: { account_id: "a" } }],
      ["an empty provider", "/certificates/issuers/bad-2", { provider: "  " }],
      ["a password that is not a string", "/certificates/issuers/bad-3", { provider: "Test", credentials: { pwd: 5 } }],
      ["admin details that are not a list", "/certificates/issuers/bad-4", { provider: "Test", org_details: { admin_details: {} } }],
      ["a name with a dot", "/certificates/issuers/bad.5", { provider: "Test" }],
      ["a name of 128 characters", `/certificates/issuers/${"a".repeat(128)}`, { provider: "Test" }],
    ];
    for (const [what, path, body] of cases) {
      const res = await call("PUT", path, body as object);
      assert.equal(res.statusCode, 400, what);
      assert.equal(res.json().error.code, "BadParameter", what);
    }
    assert.equal((await call("PUT", "/certificates/issuers/kept", { provider: "Test" })).statusCode, 200);
    const refused = await call("PATCH", "/certificates/issuers/kept", { provider: "" });
    assert.equal(refused.statusCode, 400);
    assert.equal((await call("GET", "/certificates/issuers/kept")).json().provider, "Test", "a refused update changes nothing");
    const names = (await t.ctx.certificateIssuers.list(await t.ctx.vaults.get("test-vault"), null, 25)).items.map((i) => i.name);
    assert.ok(!names.some((n) => n.startsWith("bad")), `nothing stored: ${names.join(", ")}`);
  });

  it("lists issuers page by page with nextLink, as Azure's items (id and provider)", async () => {
    for (const name of ["page-c", "page-a", "page-b"])
      await call("PUT", `/certificates/issuers/${name}`, { provider: "Test" }, "other-vault.vault.azure.net");
    const first = (await call("GET", "/certificates/issuers?maxresults=2", undefined, "other-vault.vault.azure.net")).json();
    assert.deepEqual(first.value, [
      { id: "https://other-vault.vault.azure.net/certificates/issuers/page-a", provider: "Test" },
      { id: "https://other-vault.vault.azure.net/certificates/issuers/page-b", provider: "Test" },
    ]);
    const next = new URL(first.nextLink);
    assert.equal(next.pathname, "/certificates/issuers");
    const second = (await call("GET", `${next.pathname}${next.search}`, undefined, "other-vault.vault.azure.net")).json();
    assert.deepEqual(second, {
      value: [{ id: "https://other-vault.vault.azure.net/certificates/issuers/page-c", provider: "Test" }],
      nextLink: null,
    });
  });

  it("serves /certificates/issuers and /certificates/contacts before the certificate routes", async () => {
    // A certificate of either name would be read by GET /certificates/:name; these paths must reach their own routes.
    const list = await call("GET", "/certificates/issuers");
    assert.equal(list.statusCode, 200);
    assert.ok(Array.isArray(list.json().value));
    const contacts = await call("GET", "/certificates/contacts");
    assert.equal(contacts.json().error.code, "ContactsNotFound");
    const pendingIssuer = await call("GET", "/certificates/issuers/pending");
    assert.equal(pendingIssuer.json().error.code, "CertificateIssuerNotFound", "…/issuers/pending is an issuer, not an operation");
  });

  it("sets, reads and deletes the contacts; a contact needs an e-mail address", async () => {
    const host = "other-vault.vault.azure.net";
    const none = await call("GET", "/certificates/contacts", undefined, host);
    assert.equal(none.statusCode, 404);
    assert.deepEqual(none.json().error, { code: "ContactsNotFound", message: "Contacts not found" });
    assert.equal((await call("DELETE", "/certificates/contacts", undefined, host)).statusCode, 404);

    const list = { contacts: [{ email: "a@contoso.com", name: "A", phone: "1" }, { email: "b@contoso.com" }] };
    const expected = { id: `https://${host}/certificates/contacts`, ...list };
    const set = await call("PUT", "/certificates/contacts", list, host);
    assert.equal(set.statusCode, 200);
    assert.deepEqual(set.json(), expected);
    assert.deepEqual((await call("GET", "/certificates/contacts", undefined, host)).json(), expected);

    for (const [what, body] of [
      ["a contact with a name only", { contacts: [{ name: "No Mail" }] }],
      ["an address without @", { contacts: [{ email: "not-an-address" }] }],
      ["an empty list", { contacts: [] }],
      ["no list", {}],
    ] as const) {
      const res = await call("PUT", "/certificates/contacts", body, host);
      assert.equal(res.statusCode, 400, what);
      assert.equal(res.json().error.code, "BadParameter", what);
    }
    assert.deepEqual((await call("GET", "/certificates/contacts", undefined, host)).json(), expected, "refused sets change nothing");

    const replaced = await call("PUT", "/certificates/contacts", { contacts: [{ email: "c@contoso.com" }] }, host);
    assert.deepEqual(replaced.json().contacts, [{ email: "c@contoso.com" }], "PUT replaces the list");
    const deleted = await call("DELETE", "/certificates/contacts", undefined, host);
    assert.equal(deleted.statusCode, 200);
    assert.deepEqual(deleted.json().contacts, [{ email: "c@contoso.com" }]);
    assert.equal((await call("GET", "/certificates/contacts", undefined, host)).statusCode, 404);
  });

  it("keeps a vault's issuers and contacts while it is soft-deleted, hidden, and back when it is recovered", async () => {
    await t.ctx.vaults.create({ name: "deleted-vault" }, t.principal.id);
    const host = "deleted-vault.vault.azure.net";
    await call("PUT", "/certificates/issuers/kept", { provider: "Test" }, host);
    await call("PUT", "/certificates/contacts", { contacts: [{ email: "k@contoso.com" }] }, host);
    await t.ctx.vaults.delete("deleted-vault");
    for (const path of ["/certificates/issuers/kept", "/certificates/issuers", "/certificates/contacts"]) {
      const res = await call("GET", path, undefined, host);
      assert.equal(res.statusCode, 404, path);
      assert.equal(res.json().error.code, "VaultNotFound", path);
    }
    await t.ctx.vaults.recover("deleted-vault");
    assert.equal((await call("GET", "/certificates/issuers/kept", undefined, host)).json().provider, "Test");
    assert.deepEqual((await call("GET", "/certificates/contacts", undefined, host)).json().contacts, [{ email: "k@contoso.com" }]);
  });

  it("tells the certificate service a registered issuer's provider, and null for any other name", async () => {
    const vault = await t.ctx.vaults.get("test-vault");
    await call("PUT", "/certificates/issuers/ca-1", { provider: "Keyhold" });
    assert.equal(await t.ctx.certificateIssuers.providerOf(vault, "CA-1"), "Keyhold");
    assert.equal(await t.ctx.certificateIssuers.providerOf(vault, "absent"), null);
    assert.equal(await t.ctx.certificateIssuers.providerOf(vault, "not a name"), null);
    assert.equal((await t.ctx.certificateIssuers.get(vault, "ca-1")).credentials, null);
  });

  it("keeps the issuer sealed at rest: neither its password nor its account is in the store's files", async () => {
    const res = await call("PUT", "/certificates/issuers/sealed", issuerBody());
    assert.equal(res.statusCode, 200);
    const db = new Database(t.storeFile, { readonly: true });
    try {
      const row = db.prepare("SELECT value FROM vault_entries WHERE name = 'sealed'").get() as { value: Buffer };
      assert.ok(row.value.length > 0);
      for (const clear of [PASSWORD, ACCOUNT, "DigiCert", "ada@contoso.com"]) assert.ok(!row.value.includes(clear), clear);
    } finally {
      db.close();
    }
    for (const file of [t.storeFile, `${t.storeFile}-wal`].filter(existsSync)) {
      const bytes = readFileSync(file);
      for (const clear of [PASSWORD, ACCOUNT]) assert.ok(!bytes.includes(clear), `${clear} in ${file}`);
    }
  });

  it("erases a deleted issuer's sealed bytes from the store's file and WAL", async () => {
    await call("PUT", "/certificates/issuers/erased", issuerBody());
    const db = new Database(t.storeFile, { readonly: true });
    const sealed = (db.prepare("SELECT value FROM vault_entries WHERE name = 'erased'").get() as { value: Buffer }).value;
    db.close();
    const probe = sealed.subarray(Math.floor(sealed.length / 2) - 12, Math.floor(sealed.length / 2) + 12);
    const onDisk = () => [t.storeFile, `${t.storeFile}-wal`].filter(existsSync).some((file) => readFileSync(file).includes(probe));
    assert.ok(onDisk(), "the probe finds the stored issuer");
    assert.equal((await call("DELETE", "/certificates/issuers/erased")).statusCode, 200);
    assert.equal(onDisk(), false, "a deleted issuer's bytes remain on disk");
  });
});
