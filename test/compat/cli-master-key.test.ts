import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseMasterKey } from "../../src/config/master-key.js";
import { masterKeyId } from "../../src/crypto/envelope.js";
import { runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";

/** `keyhold master-key rotate|status` against a dev server, whose master key is DIR/master.key. */
describe("keyhold master-key", () => {
  let server: DevServer;
  before(async () => {
    server = await startDevServer();
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[]) => runKeyhold(server.env, args);
  const ok = (args: string[]): any => {
    const r = keyhold(args);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const serverKeyFile = () => join(server.dir, "master.key");

  it("refuses a key the server does not use, sending only its id", () => {
    const other = join(server.dir, "other.key");
    const otherKey = randomBytes(32).toString("base64");
    writeFileSync(other, otherKey);
    const r = keyhold(["master-key", "rotate", "--new-key-file", other]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.split("\n")[0]!.replace(/ Hint: .*/, ""),
      `ERROR: (MasterKeyMismatch) the server's current master key is not ${other}; configure it as masterKey and the old key under previousMasterKeys first`,
    );
    assert.ok(!r.stderr.includes(otherKey) && !r.stdout.includes(otherKey));
  });

  it("refuses a file that holds no master key, naming it", () => {
    const bad = join(server.dir, "bad.key");
    writeFileSync(bad, "not a key");
    const r = keyhold(["master-key", "rotate", "--new-key-file", bad]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^ERROR: \(BadParameter\) \S+bad\.key: the master key must be 32 random bytes/);
  });

  it("rotates to the server's current key and follows the progress until done; status shows it", () => {
    const done = ok(["master-key", "rotate", "--new-key-file", serverKeyFile()]);
    assert.equal(done.state, "done");
    assert.equal(done.done, done.total);
    assert.equal(done.unreadable, 0);
    const status = ok(["master-key", "status"]);
    assert.equal(status.currentKeyId, masterKeyId(parseMasterKey(readFileSync(serverKeyFile(), "utf8"))));
    assert.equal(status.state, "done");
    const started = ok(["master-key", "rotate", "--new-key-file", serverKeyFile(), "--no-wait"]);
    assert.ok(["running", "done"].includes(started.state));
  });

  it("shows examples on --help", () => {
    const r = keyhold(["master-key", "rotate", "--help"]);
    assert.match(r.stdout, /keyhold master-key rotate --new-key-file new-master\.key/);
  });
});
