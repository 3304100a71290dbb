import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeJwt } from "jose";
import type { LightMyRequestResponse } from "fastify";
import { BUILT_IN_PUBLIC_CLIENT_ID } from "../../src/identity/sign-in/public-clients.js";
import { hotp } from "../../src/identity/totp.js";
import type { RequestOutcome } from "../../src/server/request-outcome.js";
import { TestBrowser, formOf } from "../support/test-browser.js";
import { type TestApp, VAULT_HOST, createTestApp } from "../support/test-app.js";
import { secretOfUri } from "../support/totp-secret.js";

const CLIENT = BUILT_IN_PUBLIC_CLIENT_ID;
const REDIRECT = "http://localhost:51234";
const SCOPE = "https://vault.azure.net/.default openid profile offline_access";
const PASSWORD = "correct horse battery staple";

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Users with a TOTP second factor: enrolment through the admin API, then password and code at the authority. */
describe("user sign-in with a TOTP second factor", () => {
  let t: TestApp;
  let tenant: string;
  let userId: string;
  /** The user's TOTP secret, as its authenticator app read it from the otpauth URI. */
  let secret: Buffer;
  /** Time steps whose codes this test has spent: each is accepted once. */
  const usedSteps = new Set<number>();
  const seen: RequestOutcome[] = [];

  before(async () => {
    t = await createTestApp("dev", { observers: [(outcome) => seen.push(outcome)] });
    tenant = t.ctx.tenantId;
    const user = await t.ctx.principals.createUser({ userName: "carol@example.org", password: PASSWORD });
    userId = user.id;
    await t.ctx.access.createAssignment({ principalId: user.id, role: "Key Vault Secrets User", scope: "/vaults/test-vault" }, "test");
  });
  after(async () => {
    await t.close();
  });

  const admin = async (method: "GET" | "POST" | "DELETE", url: string) => {
    const res = await t.app.inject({ method, url, headers: { host: VAULT_HOST, authorization: `Bearer ${t.token}` } });
    return { status: res.statusCode, body: res.body ? res.json<any>() : null, headers: res.headers };
  };
  /**
   * A code of a step not used yet, among those the server takes (one step either side of its clock); the previous
   * step's only while the server cannot pass the next step boundary before it checks the code. When all are spent,
   * waits for the next step.
   */
  const freshCode = async (): Promise<string> => {
    for (;;) {
      const now = nowSeconds();
      const current = Math.floor(now / 30);
      const steps = now % 30 < 27 ? [current - 1, current, current + 1] : [current, current + 1];
      const step = steps.find((s) => !usedSteps.has(s));
      if (step !== undefined) {
        usedSteps.add(step);
        return hotp(secret, step);
      }
      await sleep(1000);
    }
  };
  const authorizeUrl = (challenge: string, extra: Record<string, string> = {}) =>
    `/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: CLIENT,
      response_type: "code",
      redirect_uri: REDIRECT,
      response_mode: "form_post",
      scope: SCOPE,
      state: "state-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...extra,
    })}`;
  const token = (fields: Record<string, string>) =>
    t.app.inject({
      method: "POST",
      url: `/${tenant}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ client_id: CLIENT, scope: SCOPE, ...fields }).toString(),
    });
  /** The authorize page, then the password: answers the code page. */
  const passwordStep = async (browser: TestBrowser, challenge: string) => {
    const page = await browser.get(authorizeUrl(challenge));
    const codePage = await browser.submit(page, { username: "carol@example.org", password: PASSWORD });
    assert.equal(codePage.statusCode, 200, codePage.body);
    return codePage;
  };
  const assertCodePage = (page: LightMyRequestResponse) => {
    assert.match(page.body, /name="otp"/);
    assert.match(page.body, /autocomplete="one-time-code"/);
    assert.match(page.body, /inputmode="numeric"/);
    assert.match(page.body, />Verify</);
    assert.doesNotMatch(page.body, /name="password"/);
  };
  const lastSignIn = () => seen.filter((o) => o.operation === "identity/signIn").at(-1)!;

  it("enables TOTP through the admin API: a URI once, and the user shows mfa true", async () => {
    assert.equal((await admin("GET", "/keyhold/users/carol@example.org")).body.mfa, false);
    const enabled = await admin("POST", "/keyhold/users/carol@example.org/mfa");
    assert.equal(enabled.status, 201);
    assert.equal(enabled.headers["cache-control"], "no-store");
    assert.match(enabled.body.otpauthUri, /^otpauth:\/\/totp\/Keyhold:carol@example\.org\?secret=[A-Z2-7]{32}&issuer=Keyhold/);
    secret = secretOfUri(enabled.body.otpauthUri);
    const shown = await admin("GET", "/keyhold/users/carol@example.org");
    assert.equal(shown.body.mfa, true);
    assert.ok(!JSON.stringify(shown.body).includes(new URL(enabled.body.otpauthUri).searchParams.get("secret")!));
    assert.equal((await admin("GET", "/keyhold/users")).body.find((u: any) => u.id === userId).mfa, true);
  });

  it("asks for a code after the password, and the waiting session's cookie opens nothing", async () => {
    const browser = new TestBrowser(t.app);
    const codePage = await passwordStep(browser, pkce().challenge);
    assertCodePage(codePage);
    assert.doesNotMatch(codePage.body, /name="code"/, "no authorization code yet");
    assert.match(String(codePage.headers["set-cookie"]), /kh_session=[^;]+; Path=\/; Max-Age=300;/);
    const again = await browser.get(authorizeUrl(pkce().challenge));
    assert.match(again.body, /name="password"/, "a waiting session does not answer an authorization request");
    const none = await browser.get(authorizeUrl(pkce().challenge, { prompt: "none", response_mode: "query" }));
    assert.equal(new URL(String(none.headers.location)).searchParams.get("error"), "login_required");
  });

  it("refuses a wrong code on the page again, then takes the right one: a code issued and redeemed", async () => {
    const browser = new TestBrowser(t.app);
    const { verifier, challenge } = pkce();
    const codePage = await passwordStep(browser, challenge);
    const right = await freshCode();
    const wrong = await browser.submit(codePage, { otp: right === "123456" ? "654321" : "123456" });
    assert.equal(wrong.statusCode, 200);
    assertCodePage(wrong);
    assert.match(wrong.body, /incorrect or was already used/);
    assert.equal(lastSignIn().errorCode, "InvalidTotpCode");
    assert.equal(lastSignIn().caller?.principalId, userId);

    const answer = await browser.submit(wrong, { otp: right });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(lastSignIn().errorCode, null);
    assert.match(String(answer.headers["set-cookie"]), /kh_session=[^;]+; Path=\/; Max-Age=43200;/);
    const posted = formOf(answer.body);
    assert.equal(posted.action, REDIRECT);
    const redeemed = await token({
      grant_type: "authorization_code",
      code: posted.fields.code!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
    });
    assert.equal(redeemed.statusCode, 200, redeemed.body);
    assert.equal(decodeJwt(redeemed.json().access_token).oid, userId);

    const quick = await browser.get(authorizeUrl(pkce().challenge));
    assert.match(quick.body, /name="code"/, "the completed session answers at once");
  });

  it("refuses a code already used, even in another sign-in", async () => {
    const first = new TestBrowser(t.app);
    const code = await freshCode();
    const done = await first.submit(await passwordStep(first, pkce().challenge), { otp: code });
    assert.equal(formOf(done.body).action, REDIRECT);
    const second = new TestBrowser(t.app);
    const replayed = await second.submit(await passwordStep(second, pkce().challenge), { otp: code });
    assertCodePage(replayed);
    assert.match(replayed.body, /incorrect or was already used/);
  });

  it("signs a device in with password and code", async () => {
    const device = (
      await t.app.inject({
        method: "POST",
        url: `/${tenant}/oauth2/v2.0/devicecode`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ client_id: CLIENT, scope: SCOPE }).toString(),
      })
    ).json();
    const browser = new TestBrowser(t.app);
    const signInPage = await browser.submit(await browser.get("/devicelogin"), { code: device.user_code });
    const codePage = await browser.submit(signInPage, { username: "carol@example.org", password: PASSWORD });
    assertCodePage(codePage);
    assert.equal(lastSignIn().caller?.principalId, userId);
    const wrong = await browser.submit(codePage, { otp: "abcdef" });
    assertCodePage(wrong);
    assert.equal(lastSignIn().errorCode, "InvalidTotpCode");
    const confirm = await browser.submit(wrong, { otp: await freshCode() });
    assert.match(confirm.body, /carol@example\.org/);
    const done = await browser.submit(confirm, { step: "approve" });
    assert.match(done.body, /signed in to Keyhold on your device/);
    const granted = await token({ grant_type: "device_code", device_code: device.device_code });
    assert.equal(granted.statusCode, 200, granted.body);
    assert.equal(decodeJwt(granted.json().access_token).oid, userId);
  });

  it("a code without a waiting session is sent back to the password", async () => {
    const browser = new TestBrowser(t.app);
    const codePage = await passwordStep(browser, pkce().challenge);
    browser.cookies.delete("kh_session");
    const answer = await browser.submit(codePage, { otp: "000000" });
    assert.match(answer.body, /name="password"/);
    assert.match(answer.body, /expired/);
  });

  it("throttles wrong codes with a 429 page", async () => {
    const browser = new TestBrowser(t.app);
    let page = await passwordStep(browser, pkce().challenge);
    for (let i = 0; i < 20 && page.statusCode !== 429; i++) page = await browser.submit(page, { otp: "abcdef" });
    assert.equal(page.statusCode, 429);
    assert.match(page.body, /Too many sign-in attempts/);
    assert.ok(Number(page.headers["retry-after"]) > 0);
    assert.equal(lastSignIn().status, 429);
  });

  it("disabling TOTP through the admin API lets the password alone sign in", async () => {
    assert.equal((await admin("DELETE", "/keyhold/users/carol@example.org/mfa")).status, 204);
    assert.equal((await admin("GET", "/keyhold/users/carol@example.org")).body.mfa, false);
    const browser = new TestBrowser(t.app);
    const answer = await passwordStep(browser, pkce().challenge);
    assert.equal(formOf(answer.body).action, REDIRECT);
    assert.equal((await admin("DELETE", "/keyhold/users/nobody@example.org/mfa")).status, 404);
  });
});
