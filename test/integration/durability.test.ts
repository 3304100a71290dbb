import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { eventually } from "../support/eventually.js";
import { newDataDir, startDevServer } from "../support/dev-server.js";
import { secretClientFor } from "../support/sdk.js";

/** Restart durability, a crash mid-write, concurrent writers and the plaintext-at-rest scan. */
describe("durability and encryption at rest", () => {
  it("keeps CA, credentials and data across a restart", async () => {
    const dir = newDataDir();
    const first = await startDevServer(dir);
    await secretClientFor(first).setSecret("kept", "still here");
    const env = first.env;
    await first.stop();
    const second = await startDevServer(dir);
    try {
      assert.deepEqual(
        { ...second.env, KEYHOLD_URL: "", AZURE_AUTHORITY_HOST: "", HTTPS_PROXY: "", https_proxy: "" },
        { ...env, KEYHOLD_URL: "", AZURE_AUTHORITY_HOST: "", HTTPS_PROXY: "", https_proxy: "" },
      );
      assert.equal((await secretClientFor(second).getSecret("kept")).value, "still here");
    } finally {
      await second.stop();
    }
  });

  it("loses no acknowledged write when the process is killed with SIGKILL", async () => {
    const dir = newDataDir();
    const server = await startDevServer(dir);
    const client = secretClientFor(server);
    const acknowledged: string[] = [];
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        try {
          await client.setSecret(`crash-${w}-${i}`, `value-${w}-${i}`, { retryOptions: { maxRetries: 0 } } as never);
          acknowledged.push(`${w}-${i}`);
        } catch {
          return;
        }
      }
    });
    // Killed mid-load: once writes are flowing (a busy machine may take a while to get the first token), and
    // while they still are.
    assert.ok(await eventually(async () => acknowledged.length > 5, 30_000), "writes were acknowledged");
    await new Promise((r) => setTimeout(r, 200));
    await server.stop("SIGKILL");
    stop = true;
    await Promise.all(writers);
    const again = await startDevServer(dir);
    try {
      const reader = secretClientFor(again);
      for (const id of acknowledged) {
        assert.equal((await reader.getSecret(`crash-${id}`)).value, `value-${id}`);
      }
    } finally {
      await again.stop();
    }
  });

  it("gives 50 parallel writes to one name 50 distinct versions", async () => {
    const server = await startDevServer();
    try {
      const client = secretClientFor(server);
      await client.setSecret("contended", "warm-up");
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.setSecret("contended", `v${i}`)));
      const versions = new Set(results.map((r) => r.properties.version));
      assert.equal(versions.size, 50);
      const listed: string[] = [];
      for await (const p of client.listPropertiesOfSecretVersions("contended")) listed.push(p.version!);
      assert.equal(listed.length, 51);
      for (const v of versions) assert.ok(listed.includes(v!));
    } finally {
      await server.stop();
    }
  });

  it("stores no secret value in plaintext anywhere in the data directory", async () => {
    const dir = newDataDir();
    const server = await startDevServer(dir);
    const marker = `PLAINTEXT-MARKER-${Date.now()}-d7f1c2`;
    const client = secretClientFor(server);
    await client.setSecret("scanned", marker);
    await client.setSecret("scanned-2", `${marker}-second`);
    await client.backupSecret("scanned");
    const needles = [
      marker,
      Buffer.from(marker).toString("base64"),
      Buffer.from(marker).toString("base64url"),
      Buffer.from(marker, "utf16le").toString("latin1"),
    ];
    const scan = () => {
      // Subdirectories too: the audit trail's files are in DIR/audit.
      for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
        if (statSync(join(dir, file)).isDirectory()) continue;
        const content = readFileSync(join(dir, file)).toString("latin1");
        for (const needle of needles) assert.ok(!content.includes(needle), `${file} contains the secret value`);
      }
    };
    scan(); // while running: the WAL holds the latest writes
    await server.stop("SIGKILL");
    scan();
    assert.ok(
      readdirSync(dir).some((f) => f.startsWith("keyhold.db")),
      "the scan looked at the store",
    );
  });
});
