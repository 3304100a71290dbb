import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DeviceCodeInfo, DeviceCodeCredential, InteractiveBrowserCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { Page } from "playwright-core";
import { adminApi } from "../support/admin-api.js";
import { type TestChromium, chromiumSkipReason, launchChromium } from "../support/chromium.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { eventually } from "../support/eventually.js";
import { secretClientFor, viaDevProxy } from "../support/sdk.js";

const skip = chromiumSkipReason();
const USER = "carol@example.org";
const PASSWORD = "a password for carol, long enough";

/**
 * People sign in through @azure/identity's own credentials, with Chromium as their browser: InteractiveBrowserCredential
 * (authorization code with PKCE, answered by form post to MSAL's loopback listener) and DeviceCodeCredential (the
 * code entered on Keyhold's device login page). Each token then reads a secret through the official SecretClient.
 */
describe("user sign-in through @azure/identity and Chromium", { skip, timeout: 120_000 }, () => {
  let server: DevServer;
  let chromium: TestChromium;
  let vaultUrl: string;

  before(async () => {
    server = await startDevServer();
    chromium = await launchChromium();
    vaultUrl = `https://${server.env.KEY_VAULT_NAME}.vault.azure.net`;
    const admin = adminApi(server);
    const user = await admin<{ id: string }>("POST", "/keyhold/users", { userName: USER, displayName: "Carol", password: PASSWORD });
    const scope = `/vaults/${server.env.KEY_VAULT_NAME}`;
    await admin("POST", "/keyhold/roleAssignments", { principalId: user.id, role: "Key Vault Secrets User", scope });
    await secretClientFor(server).setSecret("greeting", "hello, Carol");
  });
  after(async () => {
    await chromium?.close();
    await server?.stop();
  });

  /** As a person would: the labelled fields and the named buttons. */
  const signInOn = async (page: Page) => {
    await page.getByLabel("Username").fill(USER);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  // The credentials read neither AZURE_TENANT_ID nor, here, the test's environment: the options say what dev.env says.
  const fromDevEnv = () => ({ tenantId: server.env.AZURE_TENANT_ID!, authorityHost: server.env.AZURE_AUTHORITY_HOST! });

  it("InteractiveBrowserCredential signs in with Chromium as the browser", async () => {
    // identity opens the sign-in page with `open`, whose xdg-open runs $BROWSER when no desktop is found: here a script
    // that only writes the address down, for Chromium to go to.
    const urlFile = join(server.dir, "browser-url");
    const script = join(server.dir, "browser.sh");
    writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > '${urlFile}'\n`);
    chmodSync(script, 0o755);
    const saved = { BROWSER: process.env.BROWSER, DISPLAY: process.env.DISPLAY, WAYLAND_DISPLAY: process.env.WAYLAND_DISPLAY };
    process.env.BROWSER = script;
    delete process.env.DISPLAY;
    delete process.env.WAYLAND_DISPLAY;
    try {
      const credential = new InteractiveBrowserCredential(fromDevEnv());
      const client = new SecretClient(vaultUrl, credential, viaDevProxy(server));
      const reading = client.getSecret("greeting");
      assert.ok(await eventually(async () => existsSync(urlFile), 20_000), "the credential opened no browser");
      const url = readFileSync(urlFile, "utf8");
      assert.ok(url.startsWith(`${server.env.AZURE_AUTHORITY_HOST}/adfs/oauth2/authorize?`), url);
      const context = await chromium.newContext();
      const page = await context.newPage();
      await page.goto(url);
      await page.getByLabel("Password").fill("not carol's password");
      await page.getByLabel("Username").fill(USER);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Your user name or password is incorrect.").waitFor();
      await signInOn(page);
      // The page posts the code to MSAL's listener, which answers with its own text.
      await page.getByText(/Authentication complete|successfully acquired/i).waitFor({ timeout: 20_000 });
      assert.equal((await reading).value, "hello, Carol");
      await context.close();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      rmSync(urlFile, { force: true });
    }
  });

  it("DeviceCodeCredential gets a token once the code is entered in Chromium", async () => {
    let shown: (info: DeviceCodeInfo) => void;
    const prompt = new Promise<DeviceCodeInfo>((resolve) => (shown = resolve));
    const credential = new DeviceCodeCredential({ ...fromDevEnv(), userPromptCallback: (info) => shown(info) });
    const client = new SecretClient(vaultUrl, credential, viaDevProxy(server));
    const reading = client.getSecret("greeting");
    const info = await prompt;
    assert.match(info.userCode, /^[B-Z]{4}-[B-Z]{4}$/);
    assert.ok(info.message.includes(info.verificationUri));
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(info.verificationUri);
    await page.getByLabel("Code").fill(info.userCode);
    await page.getByRole("button", { name: "Next" }).click();
    await signInOn(page);
    await page.getByText(USER).waitFor();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("You have signed in to Keyhold on your device").waitFor();
    assert.equal((await reading).value, "hello, Carol");
    await context.close();
  });
});
