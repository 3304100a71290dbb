import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { adminApi } from "../support/admin-api.js";
import { type DevServer, startDevServer, newDataDir } from "../support/dev-server.js";
import { eventually } from "../support/eventually.js";
import { devCredential, viaDevProxy } from "../support/sdk.js";

const DAY = 86_400;

/** Background work on one process: purge after retention, automatic rotation, and dev mode's clock. */
describe("background work", () => {
  let server: DevServer;
  let admin: ReturnType<typeof adminApi>;
  before(async () => {
    server = await startDevServer(newDataDir(), ["--background-interval-ms", "200"]);
    admin = adminApi(server);
    await admin("PUT", "/keyhold/vaults/short-lived", { softDeleteRetentionInDays: 7 });
  });
  after(async () => {
    await server.stop();
  });

  it("purges a deleted secret once its retention has passed, and not before", async () => {
    const secrets = new SecretClient("https://short-lived.vault.azure.net", devCredential(server), viaDevProxy(server));
    await secrets.setSecret("ephemeral", "v");
    await (await secrets.beginDeleteSecret("ephemeral")).pollUntilDone();
    await admin("POST", "/keyhold/dev/clock", { advanceSeconds: 6 * DAY });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await secrets.getDeletedSecret("ephemeral")).name, "ephemeral", "still recoverable on day 6");
    await admin("POST", "/keyhold/dev/clock", { advanceSeconds: 2 * DAY });
    const purged = await eventually(() =>
      secrets.getDeletedSecret("ephemeral").then(
        () => false,
        (e) => e.statusCode === 404,
      ),
    );
    assert.ok(purged, "purged after day 7");
  });

  it("rotates a key when its policy's timeAfterCreate has passed", async () => {
    const keys = new KeyClient(server.env.KEY_VAULT_URL!, devCredential(server), viaDevProxy(server));
    const first = await keys.createKey("auto-rotated", "EC");
    await keys.updateKeyRotationPolicy("auto-rotated", {
      lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P30D" }],
      expiresIn: "P90D",
    });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await keys.getKey("auto-rotated")).properties.version, first.properties.version, "not due yet");
    await admin("POST", "/keyhold/dev/clock", { advanceSeconds: 31 * DAY });
    const rotated = await eventually(async () => (await keys.getKey("auto-rotated")).properties.version !== first.properties.version);
    assert.ok(rotated, "a new version after 30 days");
    const latest = await keys.getKey("auto-rotated");
    assert.equal(latest.key?.crv, "P-256", "same type and curve");
    assert.ok(latest.properties.expiresOn, "the policy's expiry on the new version");
    await new Promise((r) => setTimeout(r, 600));
    let versions = 0;
    for await (const _ of keys.listPropertiesOfKeyVersions("auto-rotated")) versions++;
    assert.equal(versions, 2, "rotated once, not at every round");
  });

  it("moves the clock only in dev mode, for administrators", async () => {
    const refused = await fetch(`${server.url}/keyhold/dev/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(refused.status, 401);
    const bad = await admin("POST", "/keyhold/dev/clock", { advanceSeconds: -5 }).catch((e: { code: string }) => e.code);
    assert.equal(bad, "BadParameter");
  });
});
