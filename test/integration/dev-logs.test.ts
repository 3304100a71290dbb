import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type DevServer, newDataDir, startDevServer } from "../support/dev-server.js";

/** A data-plane request without a token: the 401 makes one request-log line. */
const unauthenticated = (server: DevServer) => fetch(`${server.url}/secrets/db-password?api-version=7.4`);

/** The JSON log lines of a server's output (the banner and other plain lines left out). */
const jsonLines = (output: string) =>
  output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("what `keyhold dev` logs", () => {
  it("says at start what it listens on, its store, vaults and leadership; JSON when not on a terminal; the drain on SIGTERM", async () => {
    const dir = newDataDir();
    const server = await startDevServer(dir);
    let code: number | null = null;
    try {
      assert.equal((await unauthenticated(server)).status, 401);
      await server.outputWith('"msg":"request completed"');
    } finally {
      code = await server.stop("SIGTERM");
    }
    assert.equal(code, 0, server.output());
    const lines = jsonLines(server.output());
    const started = lines.find((line) => line.msg === "Keyhold started");
    assert.ok(started, server.output());
    assert.equal(started.mode, "dev");
    assert.equal(started.store, `SQLite ${join(dir, "keyhold.db")}`);
    assert.deepEqual(started.listening, [`https://localhost:${server.port}`, `http://127.0.0.1:${server.proxyPort}`]);
    assert.equal(started.vaults, 1);
    assert.equal(started.leader, true);
    const request = lines.find((line) => line.msg === "request completed");
    assert.deepEqual(
      [request?.method, request?.route, request?.statusCode, request?.errorCode],
      ["GET", "/secrets/:name", 401, "Unauthorized"],
    );
    const messages = lines.map((line) => line.msg as string);
    assert.ok(
      messages.some((msg) => /^SIGTERM: draining \d+ connections?$/.test(msg)),
      messages.join("\n"),
    );
    assert.match(messages.at(-1) ?? "", /^stopped after \d+ ms$/);
  });

  it("writes readable lines with --log-format pretty, uncoloured when not on a terminal", async () => {
    const server = await startDevServer(newDataDir(), ["--log-format", "pretty"]);
    try {
      assert.equal((await unauthenticated(server)).status, 401);
      const output = await server.outputWith(/ INFO {2}GET \/secrets\/:name 401 [\d.]+ ms vault=keyhold-dev operation=secrets\/get /);
      assert.match(output, / INFO {2}Keyhold started mode=dev .*store="SQLite [^"]+keyhold\.db" vaults=1 leader=true/);
      assert.deepEqual(
        output.split("\n").filter((line) => line.startsWith("{")),
        [],
        "no JSON",
      );
      assert.ok(!output.includes("\x1b["), "no colour on a pipe");
    } finally {
      assert.equal(await server.stop("SIGINT"), 0);
    }
    assert.match(server.output(), / INFO {2}SIGINT: draining \d+ connections?/);
  });
});
