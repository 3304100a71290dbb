import assert from "node:assert/strict";
import { SecretClient } from "@azure/keyvault-secrets";
import { after, before, describe, it } from "node:test";
import { type DevServer, newDataDir, startDevServer } from "../support/dev-server.js";
import { devCredential, viaDevProxy } from "../support/sdk.js";

/** An SDK release newer than this Keyhold, imitated by a SecretClient that asks for a future api-version. */
function futureClient(server: DevServer, version: string): SecretClient {
  const options = { ...viaDevProxy(server), serviceVersion: version } as unknown as ConstructorParameters<typeof SecretClient>[2];
  return new SecretClient(server.env.KEY_VAULT_URL!, devCredential(server), options);
}

describe("keyhold dev and api-versions newer than it knows", () => {
  let lenient: DevServer;
  let strict: DevServer;
  before(async () => {
    [lenient, strict] = await Promise.all([startDevServer(), startDevServer(newDataDir(), ["--strict-api-versions"])]);
  });
  after(async () => {
    await Promise.all([lenient?.stop(), strict?.stop()]);
  });

  it("answers them as the newest it knows, with one warning per version in the log", async () => {
    const client = futureClient(lenient, "2030-01-01");
    await client.setSecret("from-the-future", "works");
    assert.equal((await client.getSecret("from-the-future")).value, "works");
    assert.equal((await futureClient(lenient, "2030-01-01").getSecret("from-the-future")).value, "works");
    const warning = "api-version 2030-01-01 is newer than the newest this Keyhold knows; answering as 2026-04-01";
    const warnings = (await lenient.outputWith(warning)).split(warning).length - 1;
    assert.equal(warnings, 1, lenient.output());
  });

  it("refuses them with --strict-api-versions, as production does", async () => {
    await assert.rejects(
      futureClient(strict, "2030-01-01").getSecret("anything"),
      (e: { statusCode?: number; code?: string; message?: string }) =>
        e.statusCode === 400 && e.code === "BadParameter" && /The specified version \(2030-01-01\) is not recognized/.test(e.message ?? ""),
    );
    assert.doesNotMatch(strict.output(), /is newer than the newest/);
  });
});
