import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { adminApi } from "../support/admin-api.js";
import { type TestChromium, chromiumSkipReason, launchChromium } from "../support/chromium.js";
import { devUserOf, screenshot } from "../support/console-test.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { secretClientFor } from "../support/sdk.js";

const skip = chromiumSkipReason();
const READER = "reader@example.org";
const READER_PASSWORD = "the reader's long password";

/** The web console in Chromium, as a person uses it, against a live dev server; the official SDK on the other side. */
describe("web console, end to end in Chromium", { skip, timeout: 180_000 }, () => {
  let server: DevServer;
  let chromium: TestChromium;
  let consoleUrl: string;
  let vault: string;
  let devUser: { userName: string; password: string };

  before(async () => {
    server = await startDevServer();
    chromium = await launchChromium();
    consoleUrl = `${server.env.AZURE_AUTHORITY_HOST}/`;
    vault = server.env.KEY_VAULT_NAME!;
    devUser = devUserOf(server);
    const admin = adminApi(server);
    const reader = await admin<{ id: string }>("POST", "/keyhold/users", { userName: READER, password: READER_PASSWORD });
    await admin("POST", "/keyhold/roleAssignments", { principalId: reader.id, role: "Key Vault Secrets User", scope: `/vaults/${vault}` });
  });
  after(async () => {
    await chromium?.close();
    await server?.stop();
  });

  const signIn = async (page: Page, userName: string, password: string) => {
    await page.getByLabel("Username").fill(userName);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  const shot = screenshot;

  it("signs in, creates, reveals, deletes and recovers secrets with the SDK on the other side, and signs out", async () => {
    const context: BrowserContext = await chromium.newContext();
    const page = await context.newPage();
    const browserErrors: string[] = [];
    page.on("console", (message) => message.type() === "error" && browserErrors.push(message.text()));
    await page.goto(consoleUrl);
    await page.getByRole("button", { name: "Sign in" }).click();
    await signIn(page, devUser.userName, "not the password at all");
    await page.getByText("Your user name or password is incorrect.").waitFor();
    await shot(page, "sign-in");
    await signIn(page, devUser.userName, devUser.password);
    await page.getByRole("heading", { name: "Vaults" }).waitFor();
    await shot(page, "vaults");
    // The dark theme, chosen by the user, and back.
    await page.getByRole("button", { name: "Dark theme" }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    await shot(page, "vaults-dark");
    await page.getByRole("button", { name: "Light theme" }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");

    // Created in the console, read by the SDK.
    await page.getByRole("link", { name: vault }).click();
    await page.getByRole("button", { name: "New secret" }).click();
    await page.getByLabel("Name", { exact: true }).fill("db-password");
    await page.getByLabel("Value").fill("console-made value");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "db-password" }).waitFor();
    const sdk = secretClientFor(server);
    assert.equal((await sdk.getSecret("db-password")).value, "console-made value");

    // Set by the SDK, revealed in the console.
    await sdk.setSecret("api-key", "sdk-made value");
    await page.goto(`${consoleUrl}#/vaults/${vault}/secrets`);
    await page.getByRole("link", { name: "api-key" }).click();
    await page.getByRole("button", { name: "Reveal" }).click();
    await page.getByText("sdk-made value").waitFor();
    await shot(page, "secret");

    // Deleted, seen under deleted secrets, recovered.
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Deleted secrets" }).waitFor();
    await page.getByRole("cell", { name: "api-key" }).waitFor();
    await shot(page, "deleted-secrets");
    await page.getByRole("button", { name: "Recover" }).click();
    await page.getByText("No deleted secrets.").waitFor();
    assert.equal((await sdk.getSecret("api-key")).value, "sdk-made value");

    // Signing out ends the sign-in at the authority: the next sign-in asks for the password again.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Password").waitFor();
    assert.deepEqual(browserErrors, []);
    await context.close();
  });

  it("a reader sees the values, and is told why creating a secret fails", async () => {
    await secretClientFor(server).setSecret("shared-setting", "readable value");
    const context = await chromium.newContext();
    const page = await context.newPage();
    // By keyboard alone: the sign-in button is the page's first stop, the sign-in form submits on Enter.
    await page.goto(consoleUrl);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Sign in");
    await page.keyboard.press("Enter");
    await page.getByLabel("Username").waitFor();
    await page.keyboard.type(READER);
    await page.keyboard.press("Tab");
    await page.keyboard.type(READER_PASSWORD);
    await page.keyboard.press("Enter");
    await page.getByRole("link", { name: vault }).click();
    await page.getByRole("link", { name: "shared-setting" }).click();
    await page.getByRole("button", { name: "Reveal" }).click();
    await page.getByText("readable value").waitFor();
    await page.goto(`${consoleUrl}#/vaults/${vault}/secrets`);
    await page.getByRole("button", { name: "New secret" }).click();
    await page.getByLabel("Name", { exact: true }).fill("not-allowed");
    await page.getByLabel("Value").fill("x");
    await page.getByRole("button", { name: "Create" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /You do not have permission to do this\..*secrets\/setSecret/s);
    await shot(page, "forbidden");
    await context.close();
  });
});
