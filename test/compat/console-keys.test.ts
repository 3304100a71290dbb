import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { adminApi } from "../support/admin-api.js";
import { type TestChromium, chromiumSkipReason, launchChromium } from "../support/chromium.js";
import { devUserOf, screenshot } from "../support/console-test.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { bytes, keyClientFor } from "../support/keys-sdk.js";

const skip = chromiumSkipReason();
const CRYPTO_USER = "crypto-user@example.org";
const CRYPTO_USER_PASSWORD = "the crypto user's long password";
/** A standard-tier vault, which refuses -HSM key types (dev mode's own vault is premium). */
const STANDARD_VAULT = "standard-keys";

/** The console's Keys tab in Chromium against a live dev server, checked with the official Keys SDK. */
describe("web console keys, end to end in Chromium", { skip, timeout: 180_000 }, () => {
  let server: DevServer;
  let chromium: TestChromium;
  let consoleUrl: string;
  let vault: string;
  let devUser: { id: string; userName: string; password: string };

  before(async () => {
    server = await startDevServer();
    chromium = await launchChromium();
    consoleUrl = `${server.env.AZURE_AUTHORITY_HOST}/`;
    vault = server.env.KEY_VAULT_NAME!;
    devUser = devUserOf(server);
    const admin = adminApi(server);
    const user = await admin<{ id: string }>("POST", "/keyhold/users", { userName: CRYPTO_USER, password: CRYPTO_USER_PASSWORD });
    await admin("POST", "/keyhold/roleAssignments", { principalId: user.id, role: "Key Vault Crypto User", scope: `/vaults/${vault}` });
    await admin("PUT", `/keyhold/vaults/${STANDARD_VAULT}`, { sku: { family: "A", name: "standard" } });
    const scope = `/vaults/${STANDARD_VAULT}`;
    await admin("POST", "/keyhold/roleAssignments", { principalId: devUser.id, role: "Key Vault Administrator", scope });
  });
  after(async () => {
    await chromium?.close();
    await server?.stop();
  });

  /** A signed-in page on the vault's Keys tab, collecting the browser console's errors. */
  const keysPage = async (userName: string, password: string, vaultName = vault): Promise<{ page: Page; errors: string[] }> => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    await page.goto(consoleUrl);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Username").fill(userName);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Vaults" }).waitFor();
    await page.goto(`${consoleUrl}#/vaults/${vaultName}/keys`);
    await page.getByRole("heading", { name: "Keys", exact: true }).waitFor();
    return { page, errors };
  };

  const shot = screenshot;

  it("creates an EC key whose PEM verifies the SDK's signature, rotates it, sets its policy, deletes and recovers it", async () => {
    const { page, errors } = await keysPage(devUser.userName, devUser.password);
    const { client, crypto } = keyClientFor(server);

    await page.getByRole("button", { name: "New key" }).click();
    await page.getByLabel("Name", { exact: true }).fill("console-ec");
    await page.getByLabel("Key type").selectOption("EC");
    await page.getByLabel("Curve").selectOption("P-384");
    assert.equal(await page.getByRole("checkbox", { name: "sign" }).isChecked(), true);
    assert.equal(await page.getByRole("checkbox", { name: "decrypt" }).isChecked(), false);
    await page.getByLabel("Tags").fill("team=payments");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "console-ec" }).waitFor();
    const made = await client.getKey("console-ec");
    assert.equal(made.keyType, "EC");
    assert.equal(made.key?.crv, "P-384");
    assert.deepEqual(made.keyOperations, ["sign", "verify"]);
    assert.deepEqual(made.properties.tags, { team: "payments" });

    // The shown JWK is the SDK's, and the downloaded PEM verifies what the SDK signs.
    await page.getByRole("button", { name: "Public key" }).click();
    const shown = JSON.parse(await page.getByLabel("Public key JWK").innerText()) as { x: string; y: string };
    assert.equal(shown.x, bytes(made.key?.x).toString("base64url"));
    assert.equal(shown.y, bytes(made.key?.y).toString("base64url"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download PEM" }).click()]);
    const pem = readFileSync(await download.path(), "utf8");
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
    const data = randomBytes(64);
    const signed = await crypto(made).signData("ES384", data);
    assert.ok(verify("sha384", data, { key: createPublicKey(pem), dsaEncoding: "ieee-p1363" }, signed.result));
    await shot(page, "key");

    // Rotated: two versions.
    await page.getByRole("button", { name: "Rotate" }).click();
    await page.getByRole("table", { name: "Versions" }).getByRole("row").nth(2).waitFor();
    let versions = 0;
    for await (const _ of client.listPropertiesOfKeyVersions("console-ec")) versions++;
    assert.equal(versions, 2);

    // A rotation policy set in the console, read back by the SDK.
    await page.getByRole("button", { name: "Edit rotation policy" }).click();
    await page.getByLabel("Rotate automatically").check();
    await page.getByLabel("Rotate when").selectOption("After creation");
    await page.getByLabel("Rotation time").fill("P30D");
    await page.getByLabel("Notify before expiry").fill("P10D");
    await page.getByLabel("New versions expire after").fill("P90D");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByRole("cell", { name: "P30D after creation" }).waitFor();
    const policy = await client.getKeyRotationPolicy("console-ec");
    assert.equal(policy.expiresIn, "P90D");
    assert.deepEqual(
      policy.lifetimeActions?.map((a) => [a.action.toLowerCase(), a.timeAfterCreate, a.timeBeforeExpiry]),
      [
        ["rotate", "P30D", undefined],
        ["notify", undefined, "P10D"],
      ],
    );

    // The current version's settings: no longer permits verify.
    await page.getByRole("form", { name: "Current version's settings" }).getByRole("checkbox", { name: "verify" }).uncheck();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Saved.").waitFor();
    assert.deepEqual((await client.getKey("console-ec")).keyOperations, ["sign"]);

    // Deleted, seen under deleted keys, recovered.
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Deleted keys" }).waitFor();
    await page.getByRole("cell", { name: "console-ec" }).waitFor();
    await page.getByRole("button", { name: "Recover" }).click();
    await page.getByText("No deleted keys.").waitFor();
    assert.equal((await client.getKey("console-ec")).name, "console-ec");
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it("shows a standard vault's refusal of an -HSM key type as an error", async () => {
    const { page, errors } = await keysPage(devUser.userName, devUser.password, STANDARD_VAULT);
    await page.getByRole("button", { name: "New key" }).click();
    await page.getByLabel("Name", { exact: true }).fill("hsm-key");
    await page.getByLabel("Key type").selectOption("EC-HSM");
    await page.getByRole("button", { name: "Create" }).click();
    assert.match(
      await page.getByRole("alert").innerText(),
      /Something went wrong\..*Hardware key operation not allowed on standard vault/s,
    );
    await page.getByRole("form", { name: "New key" }).waitFor();
    // The browser reports the refused request itself; the page logs nothing else.
    assert.deepEqual(errors, ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
    await page.context().close();
  });

  it("imports PEM private keys made by node:crypto, and says which PEM blocks it cannot read", async () => {
    const { page, errors } = await keysPage(devUser.userName, devUser.password);
    const { client } = keyClientFor(server);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });

    await page.getByRole("button", { name: "Import key" }).click();
    await page.getByLabel("Name", { exact: true }).fill("imported-ec");
    await page.getByLabel("Private key (PEM)").fill(ec.privateKey.export({ type: "sec1", format: "pem" }) as string);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    assert.match(await page.getByRole("alert").innerText(), /not PKCS#8/);
    await page.getByLabel("Private key (PEM)").fill(ec.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.getByRole("heading", { name: "imported-ec" }).waitFor();
    const importedEc = await client.getKey("imported-ec");
    const ecJwk = ec.publicKey.export({ format: "jwk" });
    assert.equal(bytes(importedEc.key?.x).toString("base64url"), ecJwk.x);
    assert.equal(bytes(importedEc.key?.y).toString("base64url"), ecJwk.y);
    assert.deepEqual(importedEc.keyOperations, ["sign", "verify"]);

    await page.goto(`${consoleUrl}#/vaults/${vault}/keys`);
    await page.getByRole("button", { name: "Import key" }).click();
    await page.getByLabel("Name", { exact: true }).fill("imported-rsa");
    await page.getByLabel("Private key (PEM)").fill(rsa.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.getByRole("heading", { name: "imported-rsa" }).waitFor();
    const importedRsa = await client.getKey("imported-rsa");
    assert.equal(bytes(importedRsa.key?.n).toString("base64url"), rsa.publicKey.export({ format: "jwk" }).n);

    await page.goto(`${consoleUrl}#/vaults/${vault}/keys`);
    await page.getByRole("cell", { name: "RSA 2048" }).waitFor();
    await page.getByRole("cell", { name: "EC P-256" }).waitFor();
    await shot(page, "keys");
    await page.getByLabel("Search").fill("rsa");
    await page.getByRole("link", { name: "imported-ec" }).waitFor({ state: "detached" });
    await page.getByRole("link", { name: "imported-rsa" }).waitFor();

    // Purging asks twice, then the key is gone for good.
    await (await client.beginDeleteKey("imported-ec")).pollUntilDone();
    await page.goto(`${consoleUrl}#/vaults/${vault}/deleted-keys`);
    await page.getByRole("button", { name: "Purge" }).click();
    await page.getByText("Purge imported-ec for good?").waitFor();
    await page.getByRole("button", { name: "Purge for good" }).click();
    await page.getByText("No deleted keys.").waitFor();
    await assert.rejects(client.getDeletedKey("imported-ec"), { statusCode: 404 });
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  it("a Key Vault Crypto User sees the keys, and is told why creating one fails", async () => {
    await keyClientFor(server).client.createEcKey("shared-signing-key", { curve: "P-256" });
    const { page } = await keysPage(CRYPTO_USER, CRYPTO_USER_PASSWORD);
    await page.getByRole("link", { name: "shared-signing-key" }).click();
    await page.getByRole("heading", { name: "shared-signing-key" }).waitFor();
    await page.goto(`${consoleUrl}#/vaults/${vault}/keys`);
    await page.getByRole("button", { name: "New key" }).click();
    await page.getByLabel("Name", { exact: true }).fill("not-allowed");
    await page.getByRole("button", { name: "Create" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /You do not have permission to do this\..*keys\/create/s);
    await page.context().close();
  });
});
