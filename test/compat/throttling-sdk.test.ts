import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import { keyholdJson, runKeyhold } from "../support/cli.js";
import { type DevServer, newDataDir, startDevServer } from "../support/dev-server.js";
import { devCredential, viaDevProxy } from "../support/sdk.js";

type PipelinePolicy = NonNullable<SecretClientOptions["additionalPolicies"]>[number]["policy"];

/**
 * The official SDK's retry policy against Keyhold's 429s and injected faults: its calls succeed after being
 * throttled (it waits for Retry-After) and after 503s. The dev server runs with `--throttle FILE` of small limits
 * over a one-second window, so that the waits are one second each.
 */
describe("the JS SDK recovers from throttling and injected faults", () => {
  let server: DevServer;
  before(async () => {
    const dir = newDataDir();
    const limits = join(dir, "throttle.json");
    writeFileSync(limits, JSON.stringify({ windowSeconds: 1, perVault: { allOther: 2 } }));
    server = await startDevServer(dir, ["--throttle", limits]);
  });
  after(async () => {
    await server.stop();
  });

  /** A SecretClient that counts the answers of each status it gets (every try, retries included). */
  function countingClient(): { client: SecretClient; statuses: number[] } {
    const statuses: number[] = [];
    const policy: PipelinePolicy = {
      name: "count-statuses",
      sendRequest: async (request, next) => {
        const response = await next(request);
        statuses.push(response.status);
        return response;
      },
    };
    const client = new SecretClient(`https://${server.env.KEY_VAULT_NAME}.vault.azure.net`, devCredential(server), {
      ...viaDevProxy(server),
      additionalPolicies: [{ policy, position: "perRetry" }],
    });
    return { client, statuses };
  }

  it("says at start that it throttles", () => {
    assert.match(server.output(), /Throttling +the --throttle file's limits/);
  });

  it("gets every secret after 429s, waiting as Retry-After says", async () => {
    const { client, statuses } = countingClient();
    await client.setSecret("throttled-read", "value");
    const values = await Promise.all(Array.from({ length: 6 }, () => client.getSecret("throttled-read")));
    assert.deepEqual(
      values.map((s) => s.value),
      Array<string>(6).fill("value"),
    );
    assert.ok(statuses.filter((s) => s === 429).length >= 2, `throttled on the way: ${statuses.join(" ")}`);
  });

  it("gets a secret after injected 503s, which `keyhold dev faults` adds, lists and clears", async () => {
    const added = keyholdJson(server.env, ["dev", "faults", "add", "--status", "503", "--count", "2", "--match", "GET /secrets/*"]);
    assert.deepEqual(
      { status: added.status, remaining: added.remaining, match: added.match },
      { status: 503, remaining: 2, match: "GET /secrets/*" },
    );
    const { client, statuses } = countingClient();
    assert.equal((await client.getSecret("throttled-read")).value, "value");
    assert.deepEqual(
      statuses.filter((s) => s !== 401),
      [503, 503, 200],
    );
    assert.deepEqual(keyholdJson(server.env, ["dev", "faults", "list"]), []);
    keyholdJson(server.env, ["dev", "faults", "add", "--status", "500", "--count", "5"]);
    assert.equal(keyholdJson(server.env, ["dev", "faults", "list"])[0].remaining, 5);
    assert.deepEqual(keyholdJson(server.env, ["dev", "faults", "clear"]), { cleared: 1 });
    assert.deepEqual(keyholdJson(server.env, ["dev", "faults", "list"]), []);
  });

  it("says in one line what is wrong with a fault or a throttle file", () => {
    const status = runKeyhold(server.env, ["dev", "faults", "add", "--status", "404"]);
    assert.notEqual(status.status, 0);
    assert.equal(status.stderr.trim().split("\n").length, 1, status.stderr);
    assert.match(status.stderr, /429, 500 or 503/);
    const bad = join(server.dir, "bad-throttle.json");
    writeFileSync(bad, JSON.stringify({ perVault: { secretGet: 5 } }));
    const refused = runKeyhold(server.env, ["dev", "--throttle", bad]);
    assert.notEqual(refused.status, 0);
    assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assert.match(refused.stderr, /throttle\.perVault/);
  });
});
