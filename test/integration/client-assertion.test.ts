import assert from "node:assert/strict";
import { type KeyObject, X509Certificate, createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { makeClientCertificate } from "../support/client-certificate.js";
import { AUTHORITY, type TestApp, createTestApp } from "../support/test-app.js";

/**
 * Client assertions (private_key_jwt): their audience is this server's configured token endpoint whatever Host
 * the request names, discovery names only configured URLs, and an assertion may not live longer than 600 s.
 */
describe("client assertions", () => {
  let t: TestApp;
  let clientId: string;
  let privateKey: KeyObject;
  let x5t256: string;
  before(async () => {
    t = await createTestApp();
    const made = await makeClientCertificate(2048, "CN=keyhold assertion test");
    privateKey = made.privateKey;
    const pem = made.certPem;
    x5t256 = createHash("sha256").update(new X509Certificate(pem).raw).digest("base64url");
    const { principal } = await t.ctx.principals.createServicePrincipal("assertion-test");
    clientId = principal.id;
    await t.ctx.principals.addCertificate(clientId, pem);
  });
  after(async () => {
    await t.close();
  });

  const now = (): number => Math.floor(Date.now() / 1000);
  const assertion = (claims: Record<string, unknown>): Promise<string> =>
    new SignJWT({ iss: clientId, sub: clientId, jti: crypto.randomUUID(), ...claims })
      .setProtectedHeader({ alg: "RS256", "x5t#S256": x5t256 })
      .sign(privateKey);
  /** As MSAL makes them: aud is the token endpoint from discovery, nbf = iat, exp = iat + 600. */
  const msalLike = (overrides: Record<string, unknown> = {}) =>
    assertion({ aud: `${AUTHORITY}/adfs/oauth2/token`, iat: now(), nbf: now(), exp: now() + 600, ...overrides });
  const requestToken = (clientAssertion: string, options: { host?: string; url?: string; scope?: string } = {}) =>
    t.app.inject({
      method: "POST",
      url: options.url ?? "/adfs/oauth2/token",
      // The configured authority's host by default, as a client of the real server would address it.
      headers: { "content-type": "application/x-www-form-urlencoded", host: options.host ?? new URL(AUTHORITY).host },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: clientAssertion,
        scope: options.scope ?? "https://vault.azure.net/.default",
      }).toString(),
    });
  const assertInvalidClient = (res: Awaited<ReturnType<typeof requestToken>>, description?: RegExp) => {
    assert.equal(res.statusCode, 401, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ["error", "error_description"]);
    assert.equal(body.error, "invalid_client");
    assert.equal(typeof body.error_description, "string");
    if (description) assert.match(body.error_description, description);
  };

  it("accepts an assertion made for the configured token endpoint, on either tenant name and path", async () => {
    assert.equal((await requestToken(await msalLike())).statusCode, 200);
    const v2 = `${AUTHORITY}/${t.ctx.tenantId}/oauth2/v2.0/token`;
    const res = await requestToken(await msalLike({ aud: v2 }), { url: `/${t.ctx.tenantId}/oauth2/v2.0/token` });
    assert.equal(res.statusCode, 200, res.body);
  });

  it("refuses an assertion made for another token endpoint even when Host names that endpoint's host", async () => {
    const forEvil = await msalLike({ aud: "https://evil.example/adfs/oauth2/token" });
    assertInvalidClient(await requestToken(forEvil, { host: "evil.example" }));
    assertInvalidClient(await requestToken(forEvil));
    const forwarded = await t.app.inject({
      method: "POST",
      url: "/adfs/oauth2/token",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: forEvil,
        scope: "https://vault.azure.net/.default",
      }).toString(),
    });
    assertInvalidClient(forwarded);
  });

  it("names only configured URLs in discovery, whatever Host the request names", async () => {
    for (const path of [
      "/adfs/.well-known/openid-configuration",
      "/adfs/v2.0/.well-known/openid-configuration",
      `/${t.ctx.tenantId}/v2.0/.well-known/openid-configuration`,
    ]) {
      const res = await t.app.inject({ method: "GET", url: path, headers: { host: "evil.example", "x-forwarded-host": "evil2.example" } });
      assert.equal(res.statusCode, 200, res.body);
      const doc = res.json<Record<string, unknown>>();
      assert.ok(String(doc.token_endpoint).startsWith(`${AUTHORITY}/`), String(doc.token_endpoint));
      assert.ok(String(doc.jwks_uri).startsWith(`${AUTHORITY}/`), String(doc.jwks_uri));
      assert.ok(String(doc.issuer).startsWith(`${AUTHORITY}/`), String(doc.issuer));
      const urls = Object.values(doc).filter((v): v is string => typeof v === "string" && /^https?:/.test(v));
      assert.ok(urls.length >= 3);
      for (const url of urls) assert.ok(url.startsWith(`${AUTHORITY}/`), `${path}: ${url}`);
      assert.doesNotMatch(res.body, /evil/);
    }
  });

  it("refuses an assertion living longer than 600 seconds, or without exp", async () => {
    const tenYears = 10 * 365 * 86_400;
    assertInvalidClient(await requestToken(await msalLike({ exp: now() + tenYears })), /lifetime.*600/);
    const noNbf = await assertion({ aud: `${AUTHORITY}/adfs/oauth2/token`, iat: now(), exp: now() + tenYears });
    assertInvalidClient(await requestToken(noNbf), /lifetime.*600/);
    const noExp = await assertion({ aud: `${AUTHORITY}/adfs/oauth2/token`, iat: now(), nbf: now() });
    assertInvalidClient(await requestToken(noExp), /exp/);
    assert.equal((await requestToken(await msalLike({ exp: now() + 600 }))).statusCode, 200, "600 s is the limit, and allowed");
  });

  it("accepts the same assertion again within its lifetime, for another scope, as MSAL reuses it", async () => {
    const once = await msalLike();
    const first = await requestToken(once);
    assert.equal(first.statusCode, 200, first.body);
    const second = await requestToken(once, { scope: "https://vault.localhost/.default" });
    assert.equal(second.statusCode, 200, second.body);
  });
});
