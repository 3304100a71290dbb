import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { adminApi, tokenFor } from "../support/admin-api.js";
import { keyholdJson, runKeyhold } from "../support/cli.js";
import { type DevServer, newDataDir, startDevServer } from "../support/dev-server.js";
import { eventually } from "../support/eventually.js";
import { secretClientFor } from "../support/sdk.js";

const DAY = 86_400;

/** A raw data-plane request to a named vault (its host name in the Host header), with or without a token. */
function vaultHostRequest(
  server: DevServer,
  vault: string,
  token?: string,
): Promise<{ status: number; challenge: string | undefined; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}/secrets/kept?api-version=7.6`,
      { headers: { host: `${vault}.vault.azure.net`, ...(token && { authorization: `Bearer ${token}` }) } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, challenge: res.headers["www-authenticate"], body: text ? JSON.parse(text) : null }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Deleting a vault soft-deletes it, as Azure does: purge protection holds, recovery gives everything back. */
describe("vault soft delete", () => {
  let server: DevServer;
  let admin: ReturnType<typeof adminApi>;
  before(async () => {
    server = await startDevServer(newDataDir(), ["--background-interval-ms", "200"]);
    admin = adminApi(server);
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[]) => runKeyhold(server.env, args);
  const ok = (args: string[]): any => keyholdJson(server.env, args);
  const fails = (args: string[], expected: RegExp) => {
    const r = keyhold(args);
    assert.equal(r.status, 1, `keyhold ${args.join(" ")} should fail: ${r.stdout}`);
    assert.match(r.stderr, expected);
  };
  const deletedNames = (): string[] => ok(["vault", "list-deleted"]).map((v: { name: string }) => v.name);
  /** How the SDK sees a vault's data plane: the error's status, code and message (the vault's name masked). */
  const sdkAnswer = (vault: string) =>
    secretClientFor(server, vault)
      .getSecret("kept")
      .then(
        () => "readable",
        (e: { statusCode?: number; code?: string; message: string }) => ({
          status: e.statusCode,
          code: e.code,
          message: e.message.replaceAll(vault, "NAME"),
        }),
      );

  it("keeps a purge-protected vault with everything in it, answers like a missing vault, and recovers it", async () => {
    ok(["vault", "create", "--name", "sd-protected", "--retention-days", "7", "--enable-purge-protection"]);
    const secrets = secretClientFor(server, "sd-protected");
    await secrets.setSecret("kept", "kept-value");
    await secrets.setSecret("binned", "binned-value");
    await (await secrets.beginDeleteSecret("binned")).pollUntilDone();
    const missingBefore = await sdkAnswer("sd-never-made");
    assert.deepEqual(missingBefore, {
      status: 404,
      code: "VaultNotFound",
      message: "The vault 'NAME' does not exist on this Keyhold server.",
    });

    const { now } = await admin<{ now: number }>("POST", "/keyhold/dev/clock", { advanceSeconds: 0 });
    ok(["vault", "delete", "--name", "sd-protected"]);

    // The data plane: exactly as for a vault that never existed, through the SDK and raw, with and without a token.
    assert.deepEqual(await sdkAnswer("sd-protected"), missingBefore);
    const token = await tokenFor(server, server.env.AZURE_CLIENT_ID!, server.env.AZURE_CLIENT_SECRET!);
    for (const withToken of [undefined, token]) {
      const deleted = await vaultHostRequest(server, "sd-protected", withToken);
      const missing = await vaultHostRequest(server, "sd-never-made", withToken);
      assert.equal(deleted.status, withToken ? 404 : 401);
      assert.equal(deleted.status, missing.status);
      assert.equal(deleted.challenge, missing.challenge);
      assert.deepEqual(
        JSON.stringify(deleted.body).replaceAll("sd-protected", "NAME"),
        JSON.stringify(missing.body).replaceAll("sd-never-made", "NAME"),
      );
    }

    // The admin API: gone from the vaults, listed as deleted, in ARM's DeletedVault shape.
    assert.ok(!ok(["vault", "list"]).some((v: { name: string }) => v.name === "sd-protected"));
    fails(["vault", "show", "--name", "sd-protected"], /^ERROR: \(VaultNotFound\)/);
    const shown = ok(["vault", "show-deleted", "--name", "SD-protected"]);
    assert.equal(shown.name, "sd-protected");
    assert.equal(shown.id, "/deletedVaults/sd-protected");
    assert.equal(shown.type, "Keyhold/deletedVaults");
    assert.equal(shown.properties.vaultId, "/vaults/sd-protected");
    assert.equal(shown.properties.purgeProtectionEnabled, true);
    assert.match(shown.properties.deletionDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "ARM's dates: whole seconds, UTC");
    const deletedAt = Date.parse(shown.properties.deletionDate) / 1000;
    assert.ok(deletedAt >= now && deletedAt <= now + 60, "deleted at the server's time");
    assert.equal(Date.parse(shown.properties.scheduledPurgeDate) / 1000, deletedAt + 7 * DAY, "purged after the vault's retention");
    assert.deepEqual(ok(["vault", "list-deleted"]), [shown]);
    fails(["vault", "show-deleted", "--name", "sd-never-made"], /^ERROR: \(DeletedVaultNotFound\)/);

    // Its name stays taken; its grants grant nothing and no new ones are made; purge protection holds.
    fails(
      ["vault", "create", "--name", "sd-protected"],
      /^ERROR: \(VaultAlreadyExists\) The vault name 'sd-protected' is already in use\. .* recently deleted but not purged/,
    );
    fails(
      [
        "role",
        "assignment",
        "create",
        "--role",
        "Key Vault Reader",
        "--assignee",
        server.env.AZURE_CLIENT_ID!,
        "--scope",
        "/vaults/sd-protected",
      ],
      /^ERROR: \(VaultNotFound\)/,
    );
    fails(
      ["vault", "purge", "--name", "sd-protected"],
      /^ERROR: \(MethodNotAllowed\) Operation 'DeletedVaultPurge' is not allowed\. Purge protection is enabled/,
    );
    assert.deepEqual(deletedNames(), ["sd-protected"], "still there after the refused purge");

    // Recovery gives everything back: the secret, the soft-deleted secret, and the creator's role assignment.
    const recovered = ok(["vault", "recover", "--name", "sd-protected"]);
    assert.equal(recovered.name, "sd-protected");
    assert.equal(recovered.properties.enablePurgeProtection, true);
    assert.equal(recovered.properties.softDeleteRetentionInDays, 7);
    assert.deepEqual(deletedNames(), []);
    fails(["vault", "recover", "--name", "sd-protected"], /^ERROR: \(SoftDeletedVaultDoesNotExist\)/);
    assert.equal((await secrets.getSecret("kept")).value, "kept-value");
    assert.equal((await secrets.getDeletedSecret("binned")).name, "binned");
    await (await secrets.beginRecoverDeletedSecret("binned")).pollUntilDone();
    assert.equal((await secrets.getSecret("binned")).value, "binned-value");
  });

  it("purges a deleted vault at its scheduled purge date, and frees its name", async () => {
    ok(["vault", "delete", "--name", "sd-protected", "--yes"]);
    await admin("POST", "/keyhold/dev/clock", { advanceSeconds: 6 * DAY });
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(deletedNames(), ["sd-protected"], "still recoverable on day 6");
    fails(["vault", "purge", "--name", "sd-protected"], /^ERROR: \(MethodNotAllowed\)/);

    await admin("POST", "/keyhold/dev/clock", { advanceSeconds: 2 * DAY });
    assert.ok(await eventually(async () => !deletedNames().includes("sd-protected")), "purged by the background work after day 7");
    fails(["vault", "show-deleted", "--name", "sd-protected"], /^ERROR: \(DeletedVaultNotFound\)/);

    ok(["vault", "create", "--name", "sd-protected"]);
    const secrets = secretClientFor(server, "sd-protected");
    await assert.rejects(secrets.getSecret("kept"), (e: { code?: string }) => e.code === "SecretNotFound");
    await assert.rejects(secrets.getDeletedSecret("binned"), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it("purges a vault without purge protection at once", async () => {
    ok(["vault", "create", "--name", "sd-plain"]);
    const secrets = secretClientFor(server, "sd-plain");
    await secrets.setSecret("kept", "v");
    ok(["vault", "delete", "--name", "sd-plain"]);
    assert.equal(ok(["vault", "show-deleted", "--name", "sd-plain"]).properties.purgeProtectionEnabled, false);
    fails(["vault", "create", "--name", "sd-plain"], /^ERROR: \(VaultAlreadyExists\)/);
    ok(["vault", "purge", "--name", "sd-plain"]);
    assert.ok(!deletedNames().includes("sd-plain"));
    fails(["vault", "purge", "--name", "sd-plain"], /^ERROR: \(DeletedVaultNotFound\)/);
    ok(["vault", "create", "--name", "sd-plain"]);
    await assert.rejects(secrets.getSecret("kept"), (e: { code?: string }) => e.code === "SecretNotFound");
  });
});
