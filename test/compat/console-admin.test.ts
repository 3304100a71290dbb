import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { adminApi, tokenFor } from "../support/admin-api.js";
import { type TestChromium, chromiumSkipReason, launchChromium } from "../support/chromium.js";
import { devUserOf, screenshot } from "../support/console-test.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { eventually } from "../support/eventually.js";

const skip = chromiumSkipReason();
const CAROL = "carol@example.org";
const CAROL_PASSWORD = "carol's long password";
const PLAIN = "plain@example.org";
const PLAIN_PASSWORD = "the plain user's long password";
const POLICY_VAULT = "policy-vault";

/** Chromium logs every answer with an error status as "Failed to load resource"; the 403s and 404s here are expected. */
const isFailedLoad = (text: string) => text.startsWith("Failed to load resource");

interface Assignment {
  principalId: string;
  roleDefinitionName: string | null;
  scope: string;
}

/** The console's administration views in Chromium, as the dev user (an administrator), with the admin API on the other side. */
describe("web console administration, end to end in Chromium", { skip, timeout: 240_000 }, () => {
  let server: DevServer;
  let chromium: TestChromium;
  let consoleUrl: string;
  let vault: string;
  let devUser: { userName: string; password: string };
  let admin: ReturnType<typeof adminApi>;

  before(async () => {
    server = await startDevServer();
    chromium = await launchChromium();
    consoleUrl = `${server.env.AZURE_AUTHORITY_HOST}/`;
    vault = server.env.KEY_VAULT_NAME!;
    devUser = devUserOf(server);
    admin = adminApi(server);
    const plain = await admin<{ id: string }>("POST", "/keyhold/users", { userName: PLAIN, password: PLAIN_PASSWORD });
    await admin("POST", "/keyhold/roleAssignments", { principalId: plain.id, role: "Key Vault Secrets User", scope: `/vaults/${vault}` });
  });
  after(async () => {
    await chromium?.close();
    await server?.stop();
  });

  const shot = screenshot;

  /** A fresh browser signed in as the user, and the errors its console logs. */
  const signedIn = async (
    userName: string,
    password: string,
    url = consoleUrl,
  ): Promise<{ context: BrowserContext; page: Page; errors: string[] }> => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && !isFailedLoad(message.text()) && errors.push(message.text()));
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(url);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Username").fill(userName);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Vaults" }).waitFor();
    return { context, page, errors };
  };

  const open = async (page: Page, hash: string) => {
    await page.goto(`${consoleUrl}${hash}`);
  };

  it("creates a user, sets their password, and they sign in; a service principal's secret is shown once and works", async () => {
    const { context, page, errors } = await signedIn(devUser.userName, devUser.password);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await open(page, "#/principals");
    await page.getByRole("button", { name: "New user" }).click();
    await page.getByLabel("User name", { exact: true }).fill(CAROL);
    await page.getByLabel("Display name", { exact: true }).fill("Carol");
    await page.getByLabel("Password", { exact: true }).fill("carol's first password");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("cell", { name: CAROL, exact: true }).waitFor();
    const carol = await admin<{ userName: string; displayName: string }>("GET", `/keyhold/users/${CAROL}`);
    assert.deepEqual([carol.userName, carol.displayName], [CAROL, "Carol"]);
    await page.getByRole("button", { name: `Set the password of ${CAROL}` }).click();
    await page.getByLabel("New password", { exact: true }).fill(CAROL_PASSWORD);
    await page.getByRole("button", { name: "Save password" }).click();
    await page.getByText("Password changed.").waitFor();
    await page.getByRole("button", { name: "Close" }).click();

    await page.getByRole("button", { name: "New service principal" }).click();
    await page.getByLabel("Display name", { exact: true }).fill("ci-deployer");
    await page.getByRole("button", { name: "Create" }).click();
    const shown = page.getByRole("region", { name: "New service principal's secret" });
    await shown.getByText("shown only this once").waitFor();
    const [clientId, clientSecret] = await shown.locator("code").allInnerTexts();
    assert.ok(await tokenFor(server, clientId!, clientSecret!));
    await shown.getByRole("button", { name: "Copy" }).click();
    await shown.getByText("Copied.").waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), clientSecret);
    await page.getByRole("button", { name: "Done" }).click();
    assert.equal(await page.getByText(clientSecret!).count(), 0);
    await page.getByRole("cell", { name: "ci-deployer", exact: true }).waitFor();
    await shot(page, "principals");

    // Deleting asks twice.
    await page.getByRole("button", { name: "Delete ci-deployer" }).click();
    await page.getByRole("button", { name: "Yes, delete ci-deployer" }).click();
    await page.getByRole("cell", { name: "ci-deployer", exact: true }).waitFor({ state: "detached" });
    await assert.rejects(admin("GET", `/keyhold/principals/${clientId}`), { code: "PrincipalNotFound" });

    // The new user signs in through the sign-in page, with the password set in the console, in a browser of their own.
    const second = await signedIn(CAROL, CAROL_PASSWORD);
    await second.page.getByText("You have no access to any vault yet.").waitFor();
    await second.context.close();
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("assigns a role on the vault in the Access view and removes it", async () => {
    const carol = await admin<{ id: string }>("GET", `/keyhold/users/${CAROL}`);
    const { context, page, errors } = await signedIn(devUser.userName, devUser.password);
    await open(page, `#/vaults/${vault}/access`);
    await page.getByRole("button", { name: "Add role assignment" }).click();
    await page.getByRole("combobox", { name: /^Role/ }).selectOption({ label: "Key Vault Secrets User" });
    await page.getByLabel("Assignee").fill(CAROL);
    await page.getByRole("button", { name: "Assign", exact: true }).click();
    const row = page.getByRole("row").filter({ hasText: CAROL });
    await row.getByRole("cell", { name: "Key Vault Secrets User", exact: true }).waitFor();
    await shot(page, "access");
    const held = (await admin<Assignment[]>("GET", `/keyhold/roleAssignments?principalId=${carol.id}`)).map((a) => [
      a.roleDefinitionName,
      a.scope,
    ]);
    assert.deepEqual(held, [["Key Vault Secrets User", `/vaults/${vault.toLowerCase()}`]]);

    await page.getByRole("button", { name: `Remove Key Vault Secrets User from ${CAROL}` }).click();
    await row.waitFor({ state: "detached" });
    assert.deepEqual(await admin<Assignment[]>("GET", `/keyhold/roleAssignments?principalId=${carol.id}`), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("edits an access policy, changes a setting, deletes the vault and recovers it", async () => {
    const carol = await admin<{ id: string }>("GET", `/keyhold/users/${CAROL}`);
    await admin("PUT", `/keyhold/vaults/${POLICY_VAULT}`, { enableRbacAuthorization: false });
    await admin("PUT", `/keyhold/vaults/${POLICY_VAULT}/accessPolicies/${carol.id}`, { permissions: { secrets: ["get"] } });
    const { context, page, errors } = await signedIn(devUser.userName, devUser.password);

    await open(page, `#/vaults/${POLICY_VAULT}/access`);
    await page.getByRole("button", { name: `Edit the policy of ${CAROL}` }).click();
    await page.getByRole("group", { name: "Secret permissions" }).getByLabel("list", { exact: true }).check();
    await page.getByRole("group", { name: "Key permissions" }).getByLabel("get", { exact: true }).check();
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByRole("row").filter({ hasText: CAROL }).getByRole("cell", { name: "get, list" }).waitFor();
    const policies = await admin<{ objectId: string; permissions: Record<string, string[]> }[]>(
      "GET",
      `/keyhold/vaults/${POLICY_VAULT}/accessPolicies`,
    );
    assert.deepEqual(policies.find((p) => p.objectId === carol.id)?.permissions, {
      keys: ["get"],
      secrets: ["get", "list"],
      certificates: [],
    });

    await open(page, `#/vaults/${POLICY_VAULT}/settings`);
    await page.getByLabel("Tier").selectOption("premium");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Saved.").waitFor();
    assert.equal(
      (await admin<{ properties: { sku: { name: string } } }>("GET", `/keyhold/vaults/${POLICY_VAULT}`)).properties.sku.name,
      "premium",
    );

    await page.getByRole("button", { name: "Delete vault" }).click();
    await page.getByRole("button", { name: `Yes, delete ${POLICY_VAULT}` }).click();
    await page.getByText("This vault was deleted on").waitFor();
    assert.deepEqual(
      (await admin<{ name: string }[]>("GET", "/keyhold/deletedVaults")).map((v) => v.name),
      [POLICY_VAULT],
    );
    await page.getByRole("button", { name: "Recover" }).click();
    await page.getByRole("button", { name: "Delete vault" }).waitFor();
    assert.equal((await admin<{ name: string }>("GET", `/keyhold/vaults/${POLICY_VAULT}`)).name, POLICY_VAULT);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("recovers a deleted vault from the deleted vaults' list", async () => {
    await admin("DELETE", `/keyhold/vaults/${POLICY_VAULT}`);
    const { context, page, errors } = await signedIn(devUser.userName, devUser.password);
    await open(page, "#/deleted-vaults");
    await page.getByRole("heading", { name: "Deleted vaults" }).waitFor();
    await page.getByRole("row").filter({ hasText: POLICY_VAULT }).getByRole("button", { name: "Recover" }).click();
    await page.getByText("No deleted vaults.").waitFor();
    assert.equal((await admin<{ name: string }>("GET", `/keyhold/vaults/${POLICY_VAULT}`)).name, POLICY_VAULT);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("shows the audit log, filtered by vault and operation, with the console's requests made as the signed-in user", async () => {
    const { context, page, errors } = await signedIn(devUser.userName, devUser.password);
    await open(page, "#/audit");
    await page.getByRole("columnheader", { name: "Operation" }).waitFor();
    await page.getByLabel("Vault", { exact: true }).fill(POLICY_VAULT);
    await page.getByLabel("Operation", { exact: true }).fill("VaultDelete");
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.locator("tbody tr");
    const onlyTheDeletion = async () => {
      const texts = await rows.allInnerTexts();
      return texts.length > 0 && texts.every((text) => text.includes("VaultDelete") && text.includes(POLICY_VAULT));
    };
    assert.ok(await eventually(onlyTheDeletion), (await rows.allInnerTexts()).join("\n"));
    const deletion = rows.filter({ hasText: devUser.userName });
    assert.match(await deletion.first().innerText(), /VaultDelete.*\b204\b/s);
    await shot(page, "audit");
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("says so when the server's audit trail is off", async () => {
    const quiet = await startDevServer(undefined, ["--audit", "off"]);
    try {
      const user = devUserOf(quiet);
      const { context, page, errors } = await signedIn(user.userName, user.password, `${quiet.env.AZURE_AUTHORITY_HOST}/`);
      await page.goto(`${quiet.env.AZURE_AUTHORITY_HOST}/#/audit`);
      const notice = page.getByRole("status").filter({ hasText: "does not offer its audit log" });
      assert.match(await notice.innerText(), /The audit trail is off on this server/);
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await quiet.stop();
    }
  });

  it("shows a user who administers nothing what they may not see, without a crash", async () => {
    const { context, page, errors } = await signedIn(PLAIN, PLAIN_PASSWORD);
    await open(page, "#/principals");
    assert.match(await page.getByRole("alert").innerText(), /You do not have permission to do this\..*principals\/read/s);
    await open(page, `#/vaults/${vault}/access`);
    assert.match(await page.getByRole("alert").innerText(), /You do not have permission to do this\..*roleAssignments\/read/s);
    await open(page, `#/vaults/${vault}/settings`);
    assert.match(await page.getByRole("alert").innerText(), /You do not have permission to do this\..*vaults\/read/s);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
