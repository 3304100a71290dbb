import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { BUILT_IN_PUBLIC_CLIENT_ID } from "../../src/identity/sign-in/public-clients.js";
import { adminApi } from "../support/admin-api.js";
import { type TestChromium, chromiumSkipReason, launchChromium } from "../support/chromium.js";
import { runKeyhold, runKeyholdAsync, startKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer, testRoot } from "../support/dev-server.js";
import { eventually } from "../support/eventually.js";
import { secretClientFor } from "../support/sdk.js";

const skip = chromiumSkipReason();
const USER = "dave@example.org";
const PASSWORD = "a password for dave, long enough";

/**
 * A person signs the CLI in as a user, with Chromium as the browser: `keyhold login --device-code` (the code read from
 * the CLI's stderr and entered on the server's page) and `keyhold login --browser` ($BROWSER a script that writes the
 * URL down). The saved login then reads a secret, renews itself with its rotating refresh token once its access token
 * looks expired, and `keyhold logout` revokes the refresh token at the server.
 */
describe("keyhold login as a user", { skip, timeout: 180_000 }, () => {
  let server: DevServer;
  let chromium: TestChromium;
  let vault: string;
  let ca: string;

  before(async () => {
    server = await startDevServer();
    chromium = await launchChromium();
    vault = server.env.KEY_VAULT_NAME!;
    ca = server.env.NODE_EXTRA_CA_CERTS!;
    const admin = adminApi(server);
    const user = await admin<{ id: string }>("POST", "/keyhold/users", { userName: USER, displayName: "Dave", password: PASSWORD });
    await admin("POST", "/keyhold/roleAssignments", { principalId: user.id, role: "Key Vault Secrets User", scope: `/vaults/${vault}` });
    await secretClientFor(server).setSecret("greeting", "hello, Dave");
  });
  after(async () => {
    await chromium?.close();
    await server?.stop();
  });

  /** A new shell of its own: a fresh config dir and nothing else (no service principal, no KEYHOLD_URL). */
  const newShell = (): Record<string, string> => ({ KEYHOLD_CONFIG_DIR: mkdtempSync(join(testRoot(), "config-")) });

  const signInOn = async (page: Page) => {
    await page.getByLabel("Username").fill(USER);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  const showGreeting = () => ["secret", "show", "--vault-name", vault, "-n", "greeting", "--query", "value", "-o", "tsv"];
  const readGreeting = (shell: Record<string, string>) => {
    const r = runKeyhold(shell, showGreeting());
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  /** The server's answer to a refresh token, as any client would send it. */
  const redeem = async (refreshToken: string) => {
    const response = await fetch(`${server.url}/organizations/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: BUILT_IN_PUBLIC_CLIENT_ID,
        refresh_token: refreshToken,
        scope: "https://vault.azure.net/.default openid profile offline_access",
      }),
    });
    return { status: response.status, body: (await response.json()) as { error?: string } };
  };

  it("--device-code: the code is entered in a browser; the login reads, renews itself, and logout revokes it", async () => {
    const shell = newShell();
    const login = startKeyhold(shell, ["login", "--device-code", "--url", server.url, "--ca", ca]);
    const [, verificationUri, userCode] = await login.stderrMatching(/open the page (\S+) and enter the code (\S+)/);
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(verificationUri!);
    await page.getByLabel("Code").fill(userCode!);
    await page.getByRole("button", { name: "Next" }).click();
    await signInOn(page);
    await page.getByText(USER).waitFor();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("You have signed in to Keyhold on your device").waitFor();
    await context.close();
    const done = await login.exited;
    assert.equal(done.status, 0, done.stderr);
    const output = JSON.parse(done.stdout);
    assert.deepEqual([output.url, output.userName, output.caFile], [server.url, USER, ca]);

    const saved = JSON.parse(readFileSync(output.savedIn, "utf8"));
    assert.equal(statSync(output.savedIn).mode & 0o777, 0o600);
    assert.deepEqual([saved.tenant, saved.clientId, saved.userName], ["organizations", BUILT_IN_PUBLIC_CLIENT_ID, USER]);
    assert.ok(saved.refreshToken);
    assert.equal(readGreeting(shell), "hello, Dave");
    const status = JSON.parse(runKeyhold(shell, ["status"]).stdout);
    assert.equal(status.credential, `keyhold login (user ${USER})`);

    // The access token looks expired: the next command renews it first, and keeps the rotated refresh token.
    writeFileSync(output.savedIn, JSON.stringify({ ...saved, expiresOn: Math.floor(Date.now() / 1000) - 10 }), { mode: 0o600 });
    assert.equal(readGreeting(shell), "hello, Dave");
    const renewed = JSON.parse(readFileSync(output.savedIn, "utf8"));
    assert.notEqual(renewed.refreshToken, saved.refreshToken);
    assert.ok(renewed.expiresOn > Date.now() / 1000 + 60, "the new access token is saved with its expiry");
    assert.equal(renewed.userName, USER);

    // Two commands at once: one renews, the other waits for it and uses the renewed login. (Both spending the same
    // refresh token would end the sign-in: the server takes a retired token presented again as stolen.)
    writeFileSync(output.savedIn, JSON.stringify({ ...renewed, expiresOn: Math.floor(Date.now() / 1000) - 10 }), { mode: 0o600 });
    const together = await Promise.all([runKeyholdAsync(shell, showGreeting()), runKeyholdAsync(shell, showGreeting())]);
    for (const r of together) assert.deepEqual([r.status, r.stdout.trim()], [0, "hello, Dave"], r.stderr);
    const last = JSON.parse(readFileSync(output.savedIn, "utf8"));
    assert.notEqual(last.refreshToken, renewed.refreshToken);
    assert.equal(readGreeting(shell), "hello, Dave");

    const logout = runKeyhold(shell, ["logout"]);
    assert.equal(logout.status, 0, logout.stderr);
    assert.deepEqual(JSON.parse(logout.stdout), { loggedOut: true, configDir: shell.KEYHOLD_CONFIG_DIR, revokedAtServer: true });
    assert.ok(!existsSync(output.savedIn));
    const refused = await redeem(last.refreshToken);
    assert.deepEqual([refused.status, refused.body.error], [400, "invalid_grant"]);

    // A login whose refresh token the server refuses must be signed in again, and says how.
    writeFileSync(output.savedIn, JSON.stringify({ ...last, expiresOn: 1 }), { mode: 0o600 });
    const stale = runKeyhold(shell, ["secret", "show", "--vault-name", vault, "-n", "greeting"]);
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /^ERROR: \(LoginExpired\) the login of dave@example\.org to \S+ can no longer be renewed/);
    assert.match(stale.stderr, /Hint: sign in again: `keyhold login --device-code`/);
  });

  it("--browser: the sign-in page opens in $BROWSER, and its answer comes back to the CLI's listener", async () => {
    const shell = newShell();
    const urlFile = join(shell.KEYHOLD_CONFIG_DIR!, "browser-url");
    const script = join(shell.KEYHOLD_CONFIG_DIR!, "browser.sh");
    writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > '${urlFile}'\n`);
    chmodSync(script, 0o755);
    const login = startKeyhold({ ...shell, BROWSER: script, AZURE_TENANT_ID: "adfs" }, [
      "login",
      "--browser",
      "--url",
      server.url,
      "--ca",
      ca,
    ]);
    assert.ok(await eventually(async () => existsSync(urlFile), 20_000), "no browser was opened");
    const url = readFileSync(urlFile, "utf8");
    assert.ok(url.startsWith(`${server.url}/adfs/oauth2/authorize?`), url);
    const params = new URL(url).searchParams;
    assert.match(params.get("redirect_uri")!, /^http:\/\/localhost:\d+$/);
    assert.deepEqual([params.get("response_mode"), params.get("code_challenge_method")], ["form_post", "S256"]);
    await login.stderrMatching(new RegExp(url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));

    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await signInOn(page);
    await page.getByText("Signed in to Keyhold; you may close this window.").waitFor({ timeout: 20_000 });
    await context.close();
    const done = await login.exited;
    assert.equal(done.status, 0, done.stderr);
    assert.equal(JSON.parse(done.stdout).userName, USER);
    assert.equal(JSON.parse(readFileSync(JSON.parse(done.stdout).savedIn, "utf8")).tenant, "adfs");
    assert.equal(readGreeting(shell), "hello, Dave");
  });

  it("refuses a user's sign-in together with a service principal's options", () => {
    const r = runKeyhold(newShell(), ["login", "--device-code", "--client-id", "x", "--url", server.url]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--device-code.*cannot be used with.*--client-id/);
  });
});

describe("keyhold logout of a user's login when the server cannot be reached", () => {
  it("forgets the login here all the same, and says the server did not revoke it", () => {
    const shell = { KEYHOLD_CONFIG_DIR: mkdtempSync(join(testRoot(), "config-")) };
    const nowhere = "https://127.0.0.1:1";
    const login = {
      url: nowhere,
      resource: "https://vault.azure.net",
      accessToken: "a.b.c",
      expiresOn: Math.floor(Date.now() / 1000) + 3600,
      principalId: "",
      refreshToken: "grant.secret",
      authorityHost: nowhere,
      tenant: "organizations",
      clientId: BUILT_IN_PUBLIC_CLIENT_ID,
    };
    const file = join(shell.KEYHOLD_CONFIG_DIR, "login.json");
    writeFileSync(file, JSON.stringify(login), { mode: 0o600 });
    const r = runKeyhold(shell, ["logout"]);
    assert.equal(r.status, 0, r.stderr);
    const output = JSON.parse(r.stdout);
    assert.deepEqual([output.loggedOut, output.revokedAtServer], [true, false]);
    assert.match(output.revokeProblem, /^ConnectionRefused: .*connection refused.*; the login is forgotten here only$/);
    assert.ok(!r.stdout.includes("grant.secret"), "the refresh token is not printed");
    assert.ok(!existsSync(file));
  });
});
