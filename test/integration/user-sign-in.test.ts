import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { BUILT_IN_PUBLIC_CLIENT_ID } from "../../src/identity/sign-in/public-clients.js";
import { TestBrowser, formOf } from "../support/test-browser.js";
import { VAULT_HOST, type TestApp, createTestApp } from "../support/test-app.js";

const CLIENT = BUILT_IN_PUBLIC_CLIENT_ID;
const REDIRECT = "http://localhost:51234";
const SCOPE = "https://vault.azure.net/.default openid profile offline_access";
const PASSWORD = "correct horse battery staple";

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

/** Users sign in at the authority: authorization code with PKCE, refresh rotation, sign-out, device code. */
describe("user sign-in", () => {
  let t: TestApp;
  let tenant: string;
  let userId: string;

  before(async () => {
    t = await createTestApp();
    tenant = t.ctx.tenantId;
    const user = await t.ctx.principals.createUser({ userName: "alice@example.org", displayName: "Alice", password: PASSWORD });
    userId = user.id;
    await t.ctx.access.createAssignment({ principalId: user.id, role: "Key Vault Secrets Officer", scope: "/vaults/test-vault" }, "test");
  });
  after(async () => {
    await t.close();
  });

  const authorizeUrl = (params: Record<string, string | undefined>, path = "oauth2/v2.0/authorize") => {
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
    return `/${tenant}/${path}?${query}`;
  };
  const standard = (challenge: string, extra: Record<string, string | undefined> = {}) => ({
    client_id: CLIENT,
    response_type: "code",
    redirect_uri: REDIRECT,
    response_mode: "form_post",
    scope: SCOPE,
    state: "state-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  });

  const token = (fields: Record<string, string>) =>
    t.app.inject({
      method: "POST",
      url: `/${tenant}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ client_id: CLIENT, scope: SCOPE, ...fields }).toString(),
    });

  const readSecrets = (accessToken: string) =>
    t.app.inject({
      method: "GET",
      url: "/secrets?api-version=2025-07-01",
      headers: { host: VAULT_HOST, authorization: `Bearer ${accessToken}` },
    });

  /** Signs in through the pages and redeems the code: what InteractiveBrowserCredential does. */
  const signIn = async (browser: TestBrowser, extra: Record<string, string | undefined> = {}) => {
    const { verifier, challenge } = pkce();
    const page = await browser.get(authorizeUrl(standard(challenge, extra)));
    assert.equal(page.statusCode, 200, page.body);
    const answer = page.body.includes('name="password"')
      ? await browser.submit(page, { username: "ALICE@example.org", password: PASSWORD })
      : page;
    assert.equal(answer.statusCode, 200, answer.body);
    const posted = formOf(answer.body);
    assert.equal(posted.action, REDIRECT);
    assert.equal(posted.fields.state, "state-1");
    const redeemed = await token({
      grant_type: "authorization_code",
      code: posted.fields.code!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    });
    assert.equal(redeemed.statusCode, 200, redeemed.body);
    return { tokens: redeemed.json(), code: posted.fields.code!, verifier, answer };
  };

  it("signs a user in with a password, answers by form post, and redeems the code with its PKCE verifier", async () => {
    const browser = new TestBrowser(t.app);
    const { tokens, answer } = await signIn(browser);
    assert.match(String(answer.headers["content-security-policy"]), /form-action 'self' http:\/\/localhost:51234;/);
    assert.doesNotMatch(String(answer.headers["content-security-policy"]), /unsafe-inline/);
    assert.equal(tokens.token_type, "Bearer");
    assert.equal(typeof tokens.expires_in, "number");
    const access = decodeJwt(tokens.access_token);
    assert.equal(access.oid, userId);
    assert.equal(access.idtyp, "user");
    assert.equal(access.upn, "alice@example.org");
    assert.equal(access.appid, CLIENT);
    const id = decodeJwt(tokens.id_token);
    assert.equal(id.aud, CLIENT);
    assert.equal(id.preferred_username, "alice@example.org");
    assert.equal("nonce" in id, false, "an id_token carries a nonce only when one was asked for");
    assert.deepEqual(JSON.parse(Buffer.from(tokens.client_info, "base64url").toString()), { uid: userId, utid: tenant });
    assert.equal((await readSecrets(tokens.access_token)).statusCode, 200);
  });

  it("puts the request's nonce in the id_token, and answers by query when asked", async () => {
    const browser = new TestBrowser(t.app);
    const { verifier, challenge } = pkce();
    const page = await browser.get(authorizeUrl(standard(challenge, { nonce: "n-0S6", response_mode: "query" })));
    const answer = await browser.submit(page, { username: "alice@example.org", password: PASSWORD });
    assert.equal(answer.statusCode, 302);
    const location = new URL(String(answer.headers.location));
    assert.equal(location.origin, REDIRECT);
    assert.equal(location.searchParams.get("state"), "state-1");
    const redeemed = await token({
      grant_type: "authorization_code",
      code: location.searchParams.get("code")!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    });
    assert.equal(decodeJwt(redeemed.json().id_token).nonce, "n-0S6");
  });

  it("refuses a wrong password on the page, with no session and no code", async () => {
    const browser = new TestBrowser(t.app);
    const page = await browser.get(authorizeUrl(standard(pkce().challenge)));
    const answer = await browser.submit(page, { username: "alice@example.org", password: "wrong password here" });
    assert.equal(answer.statusCode, 200);
    assert.match(answer.body, /user name or password is incorrect/);
    assert.equal(browser.cookies.has("kh_session"), false);
    assert.doesNotMatch(answer.body, /name="code"/);
  });

  it("refuses a sign-in form posted without the page's CSRF token", async () => {
    const browser = new TestBrowser(t.app);
    const page = await browser.get(authorizeUrl(standard(pkce().challenge)));
    const form = formOf(page.body);
    const answer = await browser.post(form.action, {
      ...form.fields,
      csrf: "x".repeat(43),
      username: "alice@example.org",
      password: PASSWORD,
    });
    assert.equal(answer.statusCode, 400);
    assert.equal(browser.cookies.has("kh_session"), false);
  });

  it("never sends a code to a redirect URI it may not use, nor to an unknown client", async () => {
    const browser = new TestBrowser(t.app);
    const { challenge } = pkce();
    for (const redirect of [
      "https://evil.example/cb",
      "http://localhost.evil.example:80",
      "http://localhost:5000/cb",
      "http://localhost:5000/?x=1",
    ]) {
      const page = await browser.get(authorizeUrl(standard(challenge, { redirect_uri: redirect })));
      assert.equal(page.statusCode, 400, redirect);
      assert.equal(page.headers.location, undefined);
    }
    const unknown = await browser.get(authorizeUrl(standard(challenge, { client_id: "00000000-0000-0000-0000-000000000001" })));
    assert.equal(unknown.statusCode, 400);
  });

  it("requires PKCE with S256, answering the error to the client", async () => {
    const browser = new TestBrowser(t.app);
    for (const extra of [{ code_challenge: undefined }, { code_challenge_method: "plain" }]) {
      const page = await browser.get(authorizeUrl(standard(pkce().challenge, { ...extra, response_mode: "query" })));
      assert.equal(page.statusCode, 302);
      assert.equal(new URL(String(page.headers.location)).searchParams.get("error"), "invalid_request");
    }
  });

  it("spends a code once, and refuses it with a wrong verifier or another redirect URI", async () => {
    const browser = new TestBrowser(t.app);
    const { code, verifier } = await signIn(browser);
    const again = await token({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error, "invalid_grant");

    const { challenge, verifier: right } = pkce();
    const page = await browser.get(authorizeUrl(standard(challenge)));
    const fresh = formOf(page.body).fields.code!;
    const wrong = await token({ grant_type: "authorization_code", code: fresh, code_verifier: pkce().verifier, redirect_uri: REDIRECT });
    assert.equal(wrong.json().error, "invalid_grant");
    const afterWrong = await token({ grant_type: "authorization_code", code: fresh, code_verifier: right, redirect_uri: REDIRECT });
    assert.equal(afterWrong.json().error, "invalid_grant", "a code tried with a wrong verifier is spent");
  });

  it("answers at once from the browser's session, and asks again with prompt=login", async () => {
    const browser = new TestBrowser(t.app);
    await signIn(browser);
    const quick = await browser.get(authorizeUrl(standard(pkce().challenge)));
    assert.match(quick.body, /name="code"/);
    const asked = await browser.get(authorizeUrl(standard(pkce().challenge, { prompt: "login" })));
    assert.match(asked.body, /name="password"/);
    const none = await new TestBrowser(t.app).get(authorizeUrl(standard(pkce().challenge, { prompt: "none", response_mode: "query" })));
    assert.equal(new URL(String(none.headers.location)).searchParams.get("error"), "login_required");
  });

  it("rotates refresh tokens, and a reused one revokes the grant", async () => {
    const { tokens } = await signIn(new TestBrowser(t.app));
    const first = await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token });
    assert.equal(first.statusCode, 200, first.body);
    const rotated = first.json();
    assert.notEqual(rotated.refresh_token, tokens.refresh_token);
    assert.ok(rotated.id_token);
    assert.equal((await readSecrets(rotated.access_token)).statusCode, 200);
    const reused = await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token });
    assert.equal(reused.json().error, "invalid_grant");
    const revoked = await token({ grant_type: "refresh_token", refresh_token: rotated.refresh_token });
    assert.equal(revoked.json().error, "invalid_grant", "after a reuse, the newest token is revoked too");
  });

  it("signing out ends the session and revokes the refresh tokens obtained in it", async () => {
    const browser = new TestBrowser(t.app);
    const { tokens } = await signIn(browser);
    const out = await browser.get(`/${tenant}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.equal(out.statusCode, 302);
    assert.equal(out.headers.location, `${REDIRECT}/`);
    assert.equal(browser.cookies.has("kh_session"), false);
    assert.equal((await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token })).json().error, "invalid_grant");
    const next = await browser.get(authorizeUrl(standard(pkce().challenge)));
    assert.match(next.body, /name="password"/, "a later sign-in asks for the password again");
    const elsewhere = await browser.get(
      `/${tenant}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent("https://evil.example/")}`,
    );
    assert.equal(elsewhere.statusCode, 200);
  });

  it("revokes a refresh token (RFC 7009), answering 200 for one it does not know", async () => {
    const { tokens } = await signIn(new TestBrowser(t.app));
    const revoke = (token: string) =>
      t.app.inject({
        method: "POST",
        url: `/${tenant}/oauth2/v2.0/revoke`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ client_id: CLIENT, token, token_type_hint: "refresh_token" }).toString(),
      });
    assert.equal((await revoke("not-a-token")).statusCode, 200);
    const refused = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/${tenant}/oauth2/v2.0/revoke`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(fields).toString(),
      });
    assert.equal(
      (await refused({ client_id: CLIENT, token: "x", token_type_hint: "access_token" })).json().error,
      "unsupported_token_type",
    );
    assert.equal((await refused({ client_id: CLIENT })).json().error, "invalid_request");
    assert.equal((await refused({ client_id: t.principal.id, token: "x" })).json().error, "unauthorized_client");
    assert.equal((await revoke(tokens.refresh_token)).statusCode, 200);
    assert.equal((await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token })).json().error, "invalid_grant");
  });

  it("a new password revokes the user's access and refresh tokens", async () => {
    const user = await t.ctx.principals.createUser({ userName: "bob@example.org", password: PASSWORD });
    await t.ctx.access.createAssignment({ principalId: user.id, role: "Key Vault Secrets User", scope: "/vaults/test-vault" }, "test");
    const browser = new TestBrowser(t.app);
    const { verifier, challenge } = pkce();
    const page = await browser.get(authorizeUrl(standard(challenge)));
    const answer = await browser.submit(page, { username: "bob@example.org", password: PASSWORD });
    const code = formOf(answer.body).fields.code!;
    const tokens = (await token({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT })).json();
    assert.equal((await readSecrets(tokens.access_token)).statusCode, 200);
    await t.ctx.principals.setUserPassword(user.id, "another long password");
    assert.equal((await readSecrets(tokens.access_token)).statusCode, 401);
    assert.equal((await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token })).json().error, "invalid_grant");
  });

  it("device code: pending until the user enters the code and approves, then tokens once", async () => {
    const started = await t.app.inject({
      method: "POST",
      url: `/${tenant}/oauth2/v2.0/devicecode`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ client_id: CLIENT, scope: SCOPE }).toString(),
    });
    assert.equal(started.statusCode, 200, started.body);
    const device = started.json();
    assert.equal(typeof device.interval, "number");
    assert.equal(typeof device.expires_in, "number");
    assert.match(device.user_code, /^[B-Z]{4}-[B-Z]{4}$/);
    assert.equal(device.verification_uri, "https://localhost:8443/devicelogin");
    const pending = await token({ grant_type: "device_code", device_code: device.device_code });
    assert.equal(pending.json().error, "authorization_pending");
    assert.equal(pending.headers["retry-after"], undefined);
    const deviceRequest = (fields: Record<string, string>) =>
      t.app.inject({
        method: "POST",
        url: `/${tenant}/oauth2/v2.0/devicecode`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(fields).toString(),
      });
    assert.equal((await deviceRequest({ client_id: t.principal.id, scope: SCOPE })).json().error, "unauthorized_client");
    assert.equal((await deviceRequest({ client_id: CLIENT, scope: "https://elsewhere.example/.default" })).json().error, "invalid_scope");
    assert.equal((await token({ grant_type: "device_code" })).json().error, "invalid_request");
    assert.equal((await token({ grant_type: "device_code", device_code: "unknown" })).json().error, "bad_verification_code");

    const browser = new TestBrowser(t.app);
    const entry = await browser.get("/devicelogin");
    const wrong = await browser.submit(entry, { code: "BBBB-BBBB" });
    assert.match(wrong.body, /not recognised/);
    const signInPage = await browser.submit(entry, { code: device.user_code.toLowerCase().replace("-", " ") });
    assert.match(signInPage.body, /name="password"/);
    const confirm = await browser.submit(signInPage, { username: "alice@example.org", password: PASSWORD });
    assert.match(confirm.body, /alice@example\.org/);
    const done = await browser.submit(confirm, { step: "approve" });
    assert.match(done.body, /signed in to Keyhold on your device/);

    const granted = await token({ grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: device.device_code });
    assert.equal(granted.statusCode, 200, granted.body);
    assert.equal(decodeJwt(granted.json().access_token).oid, userId);
    assert.equal((await token({ grant_type: "device_code", device_code: device.device_code })).json().error, "bad_verification_code");
  });

  it("device code: a declined sign-in ends the program's wait", async () => {
    const device = (
      await t.app.inject({
        method: "POST",
        url: `/organizations/oauth2/v2.0/devicecode`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ client_id: CLIENT, scope: SCOPE }).toString(),
      })
    ).json();
    const browser = new TestBrowser(t.app);
    await signIn(browser);
    const confirm = await browser.submit(await browser.get("/devicelogin"), { code: device.user_code });
    const done = await browser.submit(confirm, { step: "decline" });
    assert.match(done.body, /cancelled/);
    assert.equal((await token({ grant_type: "device_code", device_code: device.device_code })).json().error, "authorization_declined");
  });

  it("accepts a registered public client as it accepts the built-in one, until the registration is deleted", async () => {
    const registered = await t.app.inject({
      method: "POST",
      url: "/keyhold/principals",
      headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      payload: JSON.stringify({ displayName: "my-cli-tool", type: "publicClient" }),
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const clientId: string = registered.json().clientId;
    assert.equal(registered.json().type, "publicClient");
    assert.equal("clientSecret" in registered.json(), false);
    const browser = new TestBrowser(t.app);
    const { verifier, challenge } = pkce();
    const page = await browser.get(authorizeUrl(standard(challenge, { client_id: clientId })));
    const answer = await browser.submit(page, { username: "alice@example.org", password: PASSWORD });
    const code = formOf(answer.body).fields.code!;
    const redeemed = await token({
      client_id: clientId,
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    });
    assert.equal(redeemed.statusCode, 200, redeemed.body);
    assert.equal(decodeJwt(redeemed.json().access_token).appid, clientId);
    assert.equal(decodeJwt(redeemed.json().id_token).aud, clientId);
    const refreshed = await token({ client_id: CLIENT, grant_type: "refresh_token", refresh_token: redeemed.json().refresh_token });
    assert.equal(refreshed.json().error, "invalid_grant", "a refresh token is the client's it was issued to");
    await t.ctx.principals.delete(clientId);
    const gone = await token({ client_id: clientId, grant_type: "refresh_token", refresh_token: redeemed.json().refresh_token });
    assert.equal(gone.json().error, "unauthorized_client");
    assert.equal((await browser.get(authorizeUrl(standard(pkce().challenge, { client_id: clientId })))).statusCode, 400);
    // A service principal's id is no public client: it has a secret, and user flows need none.
    assert.equal((await browser.get(authorizeUrl(standard(pkce().challenge, { client_id: t.principal.id })))).statusCode, 400);
  });

  it("publishes discovery for organizations and common, with the user endpoints", async () => {
    for (const name of ["organizations", "common", tenant]) {
      const res = await t.app.inject({ method: "GET", url: `/${name}/v2.0/.well-known/openid-configuration` });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.equal(doc.authorization_endpoint, `https://localhost:8443/${name}/oauth2/v2.0/authorize`);
      assert.equal(doc.end_session_endpoint, `https://localhost:8443/${name}/oauth2/v2.0/logout`);
    }
    const refused = await t.app.inject({
      method: "POST",
      url: "/organizations/oauth2/v2.0/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: t.principal.id,
        client_secret: "x",
        scope: SCOPE,
      }).toString(),
    });
    assert.equal(refused.statusCode, 400);
  });
});
