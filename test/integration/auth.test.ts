import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AUTHORITY, VAULT_HOST, type TestApp, claimsFor, createTestApp } from "../support/test-app.js";

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Every vault request is authenticated: the challenge, and the tokens that must be refused. */
describe("bearer authentication", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  const getWith = (authorization?: string, host = VAULT_HOST) =>
    t.app.inject({
      method: "GET",
      url: "/secrets?api-version=2025-07-01",
      headers: { host, ...(authorization !== undefined && { authorization }) },
    });

  const assertRefused = async (authorization: string | undefined) => {
    const res = await getWith(authorization);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().error.code, "Unauthorized");
    assert.match(String(res.headers["www-authenticate"]), /^Bearer authorization="[^"\s]+", resource="https:\/\/vault\.azure\.net"$/);
  };

  it("accepts a valid token", async () => {
    const res = await getWith(`Bearer ${t.token}`);
    assert.equal(res.statusCode, 200, res.body);
  });

  it("challenges a request with no token, naming the tenant and a resource the SDK accepts", async () => {
    const res = await getWith();
    assert.equal(res.statusCode, 401);
    assert.equal(
      res.headers["www-authenticate"],
      `Bearer authorization="${AUTHORITY}/${t.ctx.tenantId}", resource="https://vault.azure.net"`,
    );
    assert.ok(res.headers["x-ms-request-id"]);
    const local = await getWith(undefined, "keyhold-dev.vault.localhost");
    assert.match(String(local.headers["www-authenticate"]), /resource="https:\/\/vault\.localhost"/);
  });

  it("challenges before reading the body (the SDK's first request has none)", async () => {
    const res = await t.app.inject({
      method: "PUT",
      url: "/secrets/first?api-version=2025-07-01",
      headers: { host: VAULT_HOST, "content-type": "application/json", "content-length": "0" },
    });
    assert.equal(res.statusCode, 401);
  });

  it("refuses garbage and non-bearer schemes", async () => {
    await assertRefused("Bearer not-a-jwt");
    await assertRefused("Bearer a.b.c");
    await assertRefused(`Basic ${Buffer.from("a:b").toString("base64")}`);
    await assertRefused("Bearer ");
  });

  it("refuses alg none", async () => {
    const [, payload] = t.token.split(".");
    await assertRefused(`Bearer ${b64({ alg: "none", typ: "JWT" })}.${payload}.`);
  });

  it("refuses a flipped signature bit", async () => {
    const [h, p, s] = t.token.split(".");
    const sig = Buffer.from(s!, "base64url");
    sig[10]! ^= 0x01;
    await assertRefused(`Bearer ${h}.${p}.${sig.toString("base64url")}`);
  });

  it("refuses edited claims under the original signature", async () => {
    const [h, p, s] = t.token.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
    claims.oid = "00000000-0000-0000-0000-000000000000";
    await assertRefused(`Bearer ${h}.${b64(claims)}.${s}`);
  });

  it("refuses a token signed by another key", async () => {
    await assertRefused(`Bearer ${await t.sign(claimsFor(t), { otherKey: true })}`);
  });

  it("refuses HS256 and other algorithms than the pinned one", async () => {
    const forged = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claimsFor(t))}.${Buffer.from("x").toString("base64url")}`;
    await assertRefused(`Bearer ${forged}`);
  });

  it("refuses an expired token and one not yet valid, beyond the leeway", async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    await assertRefused(`Bearer ${await t.sign(claimsFor(t, { iat: past, nbf: past, exp: past + 600 }))}`);
    const future = Math.floor(Date.now() / 1000) + 3600;
    await assertRefused(`Bearer ${await t.sign(claimsFor(t, { nbf: future }))}`);
  });

  it("refuses another audience, issuer or tenant", async () => {
    await assertRefused(`Bearer ${await t.sign(claimsFor(t, { aud: "https://management.azure.com" }))}`);
    await assertRefused(`Bearer ${await t.sign(claimsFor(t, { iss: "https://evil.example/tenant/v2.0" }))}`);
    await assertRefused(`Bearer ${await t.sign(claimsFor(t, { tid: "11111111-1111-1111-1111-111111111111" }))}`);
  });

  it("refuses a token missing required claims", async () => {
    const { exp: _exp, ...noExp } = claimsFor(t);
    await assertRefused(`Bearer ${await t.sign(noExp)}`);
  });

  it("issues tokens only for a correct client secret", async () => {
    const { clientSecret, principal } = await t.ctx.principals.createServicePrincipal("issuer-test");
    const form = (secret: string) =>
      new URLSearchParams({
        grant_type: "client_credentials",
        client_id: principal.id,
        client_secret: secret,
        scope: "https://vault.azure.net/.default",
      }).toString();
    const ok = await t.app.inject({
      method: "POST",
      url: "/adfs/oauth2/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form(clientSecret),
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().token_type, "Bearer");
    assert.ok(ok.json().expires_in > 3000);
    const bad = await t.app.inject({
      method: "POST",
      url: "/adfs/oauth2/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form(`${clientSecret}x`),
    });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error, "invalid_client");
    assert.equal(bad.json().access_token, undefined);
    const scope = await t.app.inject({
      method: "POST",
      url: `/${t.ctx.tenantId}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: principal.id,
        client_secret: clientSecret,
        scope: "https://management.azure.com/.default",
      }).toString(),
    });
    assert.equal(scope.statusCode, 400);
    assert.equal(scope.json().error, "invalid_scope");
  });
});
