import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { tokenFor, vaultRequest } from "../support/admin-api.js";
import { type DevServer, newDataDir, startDevServer, testRoot } from "../support/dev-server.js";
import { eventually } from "../support/eventually.js";
import { type ThrowawayPostgres, postgresInstalled, startThrowawayPostgres } from "../support/throwaway-postgres.js";

/**
 * PostgreSQL restarts while a node serves. The node answers 503 while the database is away, serves
 * again when it is back without being restarted, and loses nothing it acknowledged. (Its own PostgreSQL server,
 * since the run's shared one must not stop.)
 */
describe("a node while its PostgreSQL restarts", { skip: postgresInstalled() ? false : "no PostgreSQL here" }, () => {
  let postgres: ThrowawayPostgres;
  let node: DevServer;
  let token: string;
  before(async () => {
    postgres = (await startThrowawayPostgres(mkdtempSync(join(testRoot(), "pg-outage-"))))!;
    node = await startDevServer(newDataDir(), ["--database", postgres.url]);
    token = await tokenFor(node, node.env.AZURE_CLIENT_ID!, node.env.AZURE_CLIENT_SECRET!);
  });
  after(async () => {
    await node?.stop();
    postgres?.stop();
  });

  it("answers 503 while the database is away, recovers on its own, and loses no acknowledged write", async () => {
    const acknowledged: string[] = [];
    let writing = true;
    let failures = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const r = await vaultRequest(node, token, "PUT", `/secrets/outage-${i}`, { value: `v${i}` }).catch(() => ({
          status: 0,
          body: null,
        }));
        if (r.status === 200) acknowledged.push(`outage-${i}`);
        else {
          failures++;
          if (r.status !== 0) assert.equal(r.status, 503, JSON.stringify(r.body));
        }
      }
    })();
    await eventually(async () => acknowledged.length >= 20);
    postgres.stop();
    const away = await vaultRequest(node, token, "GET", "/secrets/outage-0");
    assert.equal(away.status, 503);
    assert.equal(away.body.error.code, "ServiceUnavailable");
    await new Promise((r) => setTimeout(r, 500));
    postgres.start();
    assert.ok(await eventually(async () => (await vaultRequest(node, token, "GET", "/secrets/outage-0")).status === 200), "serving again");
    const before = acknowledged.length;
    assert.ok(await eventually(async () => acknowledged.length > before + 10), "writes go through again");
    writing = false;
    await writer;
    assert.ok(failures > 0, "some writes were refused while the database was away");
    for (const name of acknowledged) assert.equal((await vaultRequest(node, token, "GET", `/secrets/${name}`)).status, 200, name);
  });
});
