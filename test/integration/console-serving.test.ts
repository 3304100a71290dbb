import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AUTHORITY, VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

/** The console's page, assets and settings on the server's own host; the vault hosts let it call them (CORS). */
describe("web console serving", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  it("serves its page at / with a strict CSP, and its script and stylesheet", async () => {
    const page = await t.app.inject({ method: "GET", url: "/", headers: { host: "localhost:8443" } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<script type="module" src="\/console\/app\.js"><\/script>/);
    const csp = String(page.headers["content-security-policy"]);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self' https:\/\/\*\.vault\.localhost:8443;/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe/);
    const script = await t.app.inject({ method: "GET", url: "/console/app.js", headers: { host: "localhost:8443" } });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers["content-type"]), /^text\/javascript/);
    const missing = await t.app.inject({ method: "GET", url: "/console/secrets.txt" });
    assert.equal(missing.statusCode, 404);
  });

  it("tells the console where to sign in and how to address vaults", async () => {
    const res = await t.app.inject({ method: "GET", url: "/console/config.json" });
    assert.deepEqual(res.json(), {
      authority: AUTHORITY,
      tenant: t.ctx.tenantId,
      clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      resource: "https://vault.azure.net",
      vaultUrlTemplate: "https://{name}.vault.localhost:8443",
    });
  });

  it("keeps a vault's own host name a vault: no console there", async () => {
    const res = await t.app.inject({ method: "GET", url: "/", headers: { host: VAULT_HOST } });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
  });

  it("answers the console's preflight on vault hosts, and no other origin's", async () => {
    const preflight = (origin: string) =>
      t.app.inject({
        method: "OPTIONS",
        url: "/secrets/x?api-version=2025-07-01",
        headers: { host: VAULT_HOST, origin, "access-control-request-method": "PUT", "access-control-request-headers": "authorization" },
      });
    const ours = await preflight(AUTHORITY);
    assert.equal(ours.statusCode, 204);
    assert.equal(ours.headers["access-control-allow-origin"], AUTHORITY);
    assert.match(String(ours.headers["access-control-allow-headers"]), /Authorization/);
    const theirs = await preflight("https://evil.example");
    assert.equal(theirs.headers["access-control-allow-origin"], undefined);
    assert.notEqual(theirs.statusCode, 204);
    const read = await t.app.inject({
      method: "GET",
      url: "/secrets?api-version=2025-07-01",
      headers: { host: VAULT_HOST, origin: AUTHORITY, authorization: `Bearer ${t.token}` },
    });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers["access-control-allow-origin"], AUTHORITY);
    const refused = await t.app.inject({
      method: "GET",
      url: "/secrets?api-version=2025-07-01",
      headers: { host: VAULT_HOST, origin: AUTHORITY },
    });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers["access-control-allow-origin"], AUTHORITY, "the console reads the challenge too");
  });

  it("/keyhold/me lists every vault for an administrator, and only the vaults a user holds rights in", async () => {
    const me = (token: string) => t.app.inject({ method: "GET", url: "/keyhold/me", headers: { authorization: `Bearer ${token}` } });
    const admin = (await me(t.token)).json();
    assert.equal(admin.administrator, true);
    assert.deepEqual(
      admin.vaults.map((v: { name: string }) => v.name),
      ["test-vault"],
    );
    await t.ctx.vaults.create({ name: "other-vault", enableRbacAuthorization: false }, t.principal.id);
    const user = await t.ctx.principals.createUser({ userName: "dana@example.org", password: "dana's long password" });
    const credentialId = (await t.ctx.principals.listCredentials(user.id))[0]!.id;
    const token = (await t.ctx.issuer.issueForUser(user, credentialId, { clientId: "c", audience: "https://vault.azure.net", nonce: null }))
      .accessToken;
    assert.deepEqual((await me(token)).json().vaults, []);
    await t.ctx.access.setPolicy("other-vault", user.id, { keys: [], secrets: ["get"], certificates: [] });
    const listed = (await me(token)).json();
    assert.equal(listed.administrator, false);
    assert.equal(listed.userName, "dana@example.org");
    assert.deepEqual(
      listed.vaults.map((v: { name: string }) => v.name),
      ["other-vault"],
    );
    assert.equal((await t.app.inject({ method: "GET", url: "/keyhold/me" })).statusCode, 401);
  });
});
