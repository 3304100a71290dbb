import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DefaultAzureCredential } from "@azure/identity";
import { type SecretClientOptions, SecretClient } from "@azure/keyvault-secrets";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { viaDevProxy } from "../support/sdk.js";

/** Every SecretClient method, through the official package, against a live `keyhold dev` over TLS. */
describe("SecretClient against a live server", () => {
  let server: DevServer;
  let credential: DefaultAzureCredential;
  let client: SecretClient;
  const fast = { updateIntervalInMs: 20, intervalInMs: 20 };

  const clientFor = (url: string, options: SecretClientOptions = {}) =>
    new SecretClient(url, credential, { ...viaDevProxy(server), ...options });

  before(async () => {
    server = await startDevServer();
    for (const name of ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST"]) {
      process.env[name] = server.env[name];
    }
    credential = new DefaultAzureCredential();
    client = clientFor(server.env.KEY_VAULT_URL!);
  });
  after(async () => {
    await server.stop();
  });

  it("sets and gets a secret with attributes, content type and tags", async () => {
    const exp = new Date(Math.floor(Date.now() / 1000 + 86_400) * 1000);
    const set = await client.setSecret("db-password", "s3cr3t!", {
      contentType: "text/plain",
      tags: { env: "test" },
      expiresOn: exp,
    });
    assert.equal(set.value, "s3cr3t!");
    assert.equal(set.properties.contentType, "text/plain");
    assert.deepEqual(set.properties.tags, { env: "test" });
    assert.equal(set.properties.expiresOn?.getTime(), exp.getTime());
    assert.equal(set.properties.enabled, true);
    assert.equal(set.properties.recoveryLevel, "Recoverable+Purgeable");
    assert.equal(set.properties.recoverableDays, 90);
    assert.match(set.properties.version!, /^[0-9a-f]{32}$/);
    assert.equal(set.properties.vaultUrl, server.env.KEY_VAULT_URL);

    const got = await client.getSecret("db-password");
    assert.equal(got.value, "s3cr3t!");
    assert.equal(got.properties.id, set.properties.id);
    assert.ok(got.properties.createdOn instanceof Date);
  });

  it("keeps versions: get by version, list versions, latest wins", async () => {
    const v1 = await client.setSecret("versioned", "one");
    const v2 = await client.setSecret("versioned", "two");
    assert.equal((await client.getSecret("versioned")).value, "two");
    assert.equal((await client.getSecret("versioned", { version: v1.properties.version! })).value, "one");
    const versions: string[] = [];
    for await (const p of client.listPropertiesOfSecretVersions("versioned")) versions.push(p.version!);
    assert.deepEqual(versions.sort(), [v1.properties.version!, v2.properties.version!].sort());
  });

  it("updates properties and refuses a disabled version with 403", async () => {
    const s = await client.setSecret("updatable", "value");
    const updated = await client.updateSecretProperties("updatable", s.properties.version!, {
      enabled: false,
      tags: { a: "b" },
      contentType: "application/x-test",
    });
    assert.equal(updated.enabled, false);
    assert.deepEqual(updated.tags, { a: "b" });
    assert.equal(updated.contentType, "application/x-test");
    await assert.rejects(client.getSecret("updatable"), (e: { statusCode?: number; code?: string }) => {
      assert.equal(e.statusCode, 403);
      assert.equal(e.code, "Forbidden");
      return true;
    });
  });

  it("lists secrets in pages", async () => {
    for (let i = 0; i < 7; i++) await client.setSecret(`paged-${i}`, `v${i}`);
    const pages: string[][] = [];
    for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 3 })) {
      pages.push(page.map((p) => p.name));
    }
    assert.ok(pages.length >= 3, `expected several pages, got ${pages.length}`);
    assert.ok(pages.every((p) => p.length <= 3));
    const names = pages.flat();
    assert.equal(new Set(names).size, names.length, "no duplicates across pages");
    for (let i = 0; i < 7; i++) assert.ok(names.includes(`paged-${i}`));
  });

  it("soft-deletes, lists and gets deleted, recovers, deletes again and purges", async () => {
    await client.setSecret("doomed", "bye");
    const poller = await client.beginDeleteSecret("doomed", fast);
    const deleted = await poller.pollUntilDone();
    assert.equal(deleted.name, "doomed");
    assert.ok(deleted.properties.recoveryId?.endsWith("/deletedsecrets/doomed"));
    assert.ok(deleted.properties.deletedOn instanceof Date);
    assert.ok(deleted.properties.scheduledPurgeDate instanceof Date);
    const days = (deleted.properties.scheduledPurgeDate.getTime() - deleted.properties.deletedOn.getTime()) / 86_400_000;
    assert.equal(Math.round(days), 90);

    await assert.rejects(client.getSecret("doomed"), (e: { statusCode?: number }) => e.statusCode === 404);
    await assert.rejects(client.setSecret("doomed", "again"), (e: { statusCode?: number }) => e.statusCode === 409);
    const got = await client.getDeletedSecret("doomed");
    assert.equal(got.name, "doomed");
    const listed: string[] = [];
    for await (const d of client.listDeletedSecrets()) listed.push(d.name);
    assert.ok(listed.includes("doomed"));

    const recovered = await (await client.beginRecoverDeletedSecret("doomed", fast)).pollUntilDone();
    assert.equal(recovered.name, "doomed");
    assert.equal((await client.getSecret("doomed")).value, "bye");

    await (await client.beginDeleteSecret("doomed", fast)).pollUntilDone();
    await client.purgeDeletedSecret("doomed");
    await assert.rejects(client.getDeletedSecret("doomed"), (e: { statusCode?: number }) => e.statusCode === 404);
    await client.setSecret("doomed", "reborn");
    assert.equal((await client.getSecret("doomed")).value, "reborn");
  });

  it("backs up all versions and restores them after a purge", async () => {
    const v1 = await client.setSecret("backed-up", "first");
    await client.setSecret("backed-up", "second");
    const blob = await client.backupSecret("backed-up");
    assert.ok(blob && blob.length > 0);
    assert.ok(!Buffer.from(blob).toString("latin1").includes("second"), "the blob is encrypted");
    await (await client.beginDeleteSecret("backed-up", fast)).pollUntilDone();
    await client.purgeDeletedSecret("backed-up");
    const restored = await client.restoreSecretBackup(blob);
    assert.equal(restored.name, "backed-up");
    assert.equal((await client.getSecret("backed-up")).value, "second");
    assert.equal((await client.getSecret("backed-up", { version: v1.properties.version! })).value, "first");
    await assert.rejects(client.restoreSecretBackup(blob), (e: { statusCode?: number }) => e.statusCode === 409);
    const tampered = Uint8Array.from(blob);
    tampered[tampered.length - 1]! ^= 1;
    // Azure's exact words: the SDK's own tests compare them.
    await assert.rejects(
      client.restoreSecretBackup(tampered),
      (e: { statusCode?: number; code?: string; message?: string }) =>
        e.statusCode === 400 && e.code === "BadParameter" && e.message === "Backup blob contains invalid or corrupt version.",
    );
  });

  it("answers 404 SecretNotFound for missing names and versions", async () => {
    await assert.rejects(
      client.getSecret("never-was"),
      (e: { statusCode?: number; code?: string }) => e.statusCode === 404 && e.code === "SecretNotFound",
    );
    await client.setSecret("exists", "x");
    await assert.rejects(
      client.getSecret("exists", { version: "0123456789abcdef0123456789abcdef" }),
      (e: { statusCode?: number }) => e.statusCode === 404,
    );
  });

  it("serves the default vault on https://localhost with disableChallengeResourceVerification", async () => {
    const local = new SecretClient(server.url, credential, { disableChallengeResourceVerification: true });
    await local.setSecret("via-localhost", "local");
    assert.equal((await client.getSecret("via-localhost")).value, "local", "localhost reaches the default vault");
    const secret = await local.getSecret("via-localhost");
    assert.equal(secret.properties.vaultUrl, server.url, "ids echo the host and port the client used");
  });

  it("serves NAME.vault.localhost and other vaults by host name", async () => {
    const viaLocalhostDomain = clientFor("https://keyhold-dev.vault.localhost");
    assert.equal((await viaLocalhostDomain.getSecret("db-password")).value, "s3cr3t!");
    const other = clientFor("https://no-such-vault.vault.azure.net");
    await assert.rejects(
      other.getSecret("x"),
      (e: { statusCode?: number; code?: string }) => e.statusCode === 404 && e.code === "VaultNotFound",
    );
  });

  for (const serviceVersion of ["7.0", "7.2", "7.4", "7.5", "7.6"] as const) {
    it(`works with serviceVersion ${serviceVersion}`, async () => {
      const old = clientFor(server.env.KEY_VAULT_URL!, { serviceVersion });
      const name = `api-${serviceVersion.replace(".", "-")}`;
      await old.setSecret(name, serviceVersion);
      assert.equal((await old.getSecret(name)).value, serviceVersion);
    });
  }
});
