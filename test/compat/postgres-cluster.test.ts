import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SecretClient } from "@azure/keyvault-secrets";
import { type DevServer, newDataDir, startDevServer } from "../support/dev-server.js";
import { devCredential, viaDevProxy } from "../support/sdk.js";
import { adminApi } from "../support/admin-api.js";
import { POSTGRES_URL, newDatabase } from "../support/test-database.js";
import { eventually } from "../support/eventually.js";

/** Two dev servers on one data directory and one PostgreSQL database serve as one. */
describe("two Keyhold nodes on one PostgreSQL database", { skip: POSTGRES_URL ? false : "no PostgreSQL here" }, () => {
  let database: Awaited<ReturnType<typeof newDatabase>>;
  let a: DevServer;
  let b: DevServer;
  before(async () => {
    database = await newDatabase("keyhold_cluster");
    const dir = newDataDir();
    a = await startDevServer(dir, ["--database", database.url, "--background-interval-ms", "200"]);
    b = await startDevServer(dir, ["--database", database.url, "--background-interval-ms", "200"]);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  const client = (writer: DevServer, tokensFrom: DevServer) =>
    new SecretClient(writer.env.KEY_VAULT_URL!, devCredential(tokensFrom), viaDevProxy(writer));

  it("writes through one node and reads through the other, with a token from either", async () => {
    await client(a, a).setSecret("clustered", "written through A");
    assert.equal((await client(b, b).getSecret("clustered")).value, "written through A");
    await client(b, a).setSecret("clustered", "written through B with A's token");
    assert.equal((await client(a, b).getSecret("clustered")).value, "written through B with A's token");
    const versions: string[] = [];
    for await (const p of client(a, a).listPropertiesOfSecretVersions("clustered")) versions.push(p.version!);
    assert.equal(versions.length, 2);
  });

  it("gives concurrent writers on both nodes distinct versions, none lost", async () => {
    const writes = Array.from({ length: 20 }, (_, i) => client(i % 2 ? a : b, a).setSecret("contended", `value ${i}`));
    const written = await Promise.all(writes);
    assert.equal(new Set(written.map((s) => s.properties.version)).size, 20);
    let count = 0;
    for await (const _ of client(b, b).listPropertiesOfSecretVersions("contended")) count++;
    assert.equal(count, 20);
  });

  it("runs the background work on one node, and on another within a round when that one is killed", async () => {
    await adminApi(a)("PUT", "/keyhold/vaults/cluster-short", { softDeleteRetentionInDays: 7 });
    const secrets = (node: DevServer) => new SecretClient("https://cluster-short.vault.azure.net", devCredential(node), viaDevProxy(node));
    await secrets(b).setSecret("ephemeral", "v");
    await (await secrets(b).beginDeleteSecret("ephemeral")).pollUntilDone();
    // Only B's clock moves: while A leads (it started first), nothing is due on its clock.
    await adminApi(b)("POST", "/keyhold/dev/clock", { advanceSeconds: 8 * 86_400 });
    await new Promise((r) => setTimeout(r, 800));
    assert.equal((await secrets(b).getDeletedSecret("ephemeral")).name, "ephemeral", "the leader (A) has not purged it");
    await a.stop("SIGKILL");
    const purged = await eventually(
      () =>
        secrets(b)
          .getDeletedSecret("ephemeral")
          .then(
            () => false,
            (e) => e.statusCode === 404,
          ),
      10_000,
    );
    assert.ok(purged, "B took over the background work and purged it");
    a = await startDevServer(a.dir, ["--database", database.url, "--background-interval-ms", "200"]);
  });

  it("loses no acknowledged write when a node is killed mid-load: the survivor reads them all", async () => {
    const acknowledged: { name: string; value: string }[] = [];
    let writing = true;
    const writer = (node: DevServer, tag: string) =>
      (async () => {
        const secrets = client(node, node);
        for (let i = 0; writing; i++) {
          const name = `killed-${tag}-${i}`;
          try {
            await secrets.setSecret(name, `value ${i}`);
            acknowledged.push({ name, value: `value ${i}` });
          } catch {
            if (node === a) return; // A is gone: its writer stops
          }
        }
      })();
    const writers = [writer(a, "a"), writer(b, "b")];
    // Both nodes have acknowledged writes before A dies (on a busy machine the first ones take a while), and A
    // is killed while its writer is still writing.
    const acked = (tag: string) => acknowledged.some((w) => w.name.startsWith(`killed-${tag}-`));
    assert.ok(await eventually(async () => acked("a") && acked("b"), 30_000), "both nodes acknowledged writes");
    await new Promise((r) => setTimeout(r, 500));
    await a.stop("SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    writing = false;
    await Promise.all(writers);
    const survivor = client(b, b);
    for (const { name, value } of acknowledged) assert.equal((await survivor.getSecret(name)).value, value, name);
    // A comes back on the same data and database, and serves again.
    a = await startDevServer(a.dir, ["--database", database.url, "--background-interval-ms", "200"]);
    assert.equal((await client(a, a).getSecret(acknowledged[0]!.name)).value, acknowledged[0]!.value);
  });
});
