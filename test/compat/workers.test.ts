import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { startDevServer } from "../support/dev-server.js";
import { secretClientFor } from "../support/sdk.js";

const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

/** `--workers N`: HTTPS served by cluster workers on one port, over one store. */
describe("keyhold dev --workers 2", () => {
  it("serves every request across workers, and leaves no worker behind when stopped", async () => {
    const server = await startDevServer(undefined, ["--workers", "2"]);
    const workers = childrenOf(server.process.pid!);
    try {
      assert.equal(workers.length, 2, "two worker processes");
      const client = secretClientFor(server);
      await Promise.all(Array.from({ length: 40 }, (_, i) => client.setSecret(`spread-${i % 4}`, `v${i}`)));
      for (let i = 0; i < 4; i++) {
        let versions = 0;
        for await (const _ of client.listPropertiesOfSecretVersions(`spread-${i}`)) versions++;
        assert.equal(versions, 10, "no write lost between processes");
      }
      const fresh = secretClientFor(server);
      assert.match((await fresh.getSecret("spread-0")).value!, /^v\d+$/);
    } finally {
      await server.stop();
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const pid of workers) {
      assert.throws(() => process.kill(pid, 0), "worker process still running after stop");
    }
  });
});
