import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type Login, readLogin, saveLogin, withLoginLock } from "../../src/cli/login-store.js";
import { browserCommand } from "../../src/cli/open-browser.js";

const newConfigDir = () => ({ KEYHOLD_CONFIG_DIR: mkdtempSync(join(tmpdir(), "keyhold-login-store-")) });

const servicePrincipalLogin: Login = {
  url: "https://localhost:8443",
  resource: "https://vault.azure.net",
  accessToken: "a.b.c",
  expiresOn: 2_000_000_000,
  principalId: "11111111-2222-3333-4444-555555555555",
};

describe("the CLI's saved login", () => {
  it("loads a file an older version wrote (no refresh token, no loggedInAt)", () => {
    const env = newConfigDir();
    writeFileSync(join(env.KEYHOLD_CONFIG_DIR, "login.json"), JSON.stringify(servicePrincipalLogin), { mode: 0o600 });
    const login = readLogin(env);
    assert.deepEqual(login, servicePrincipalLogin);
    assert.equal(login?.refreshToken, undefined);
  });

  it("is replaced whole, 0600, with no temporary file left", () => {
    const env = newConfigDir();
    const file = saveLogin(servicePrincipalLogin, env);
    writeFileSync(file, "{}", { mode: 0o644 });
    const user = { ...servicePrincipalLogin, refreshToken: "grant.secret", tenant: "organizations", userName: "dave@example.org" };
    assert.equal(saveLogin(user, env), file);
    assert.deepEqual(readLogin(env), user);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(env.KEYHOLD_CONFIG_DIR).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(env.KEYHOLD_CONFIG_DIR), ["login.json"]);
  });

  it("is renewed by one command at a time, and a lock left by a dead process does not block", async () => {
    const env = newConfigDir();
    const events: string[] = [];
    const work = (name: string) => async () => {
      events.push(`${name} starts`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`${name} ends`);
    };
    await Promise.all([withLoginLock(work("first"), env), withLoginLock(work("second"), env)]);
    assert.deepEqual(events, ["first starts", "first ends", "second starts", "second ends"]);
    assert.deepEqual(readdirSync(env.KEYHOLD_CONFIG_DIR), [], "the lock is gone");

    const lock = join(env.KEYHOLD_CONFIG_DIR, "login.json.lock");
    writeFileSync(lock, "");
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(lock, longAgo, longAgo);
    assert.equal(await withLoginLock(async () => "ran", env), "ran");
  });
});

describe("opening the user's browser", () => {
  it("runs $BROWSER when set, else the platform's opener", () => {
    const url = "https://localhost:8443/adfs/oauth2/authorize?a=1&b=2";
    assert.deepEqual(browserCommand(url, { BROWSER: "/usr/bin/firefox" }, "linux"), ["/usr/bin/firefox", [url]]);
    assert.deepEqual(browserCommand(url, {}, "linux"), ["xdg-open", [url]]);
    assert.deepEqual(browserCommand(url, {}, "darwin"), ["open", [url]]);
    assert.deepEqual(browserCommand(url, {}, "win32"), ["rundll32", ["url.dll,FileProtocolHandler", url]]);
  });
});
