import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runKeyhold } from "../support/cli.js";
import { type DevServer, PROJECT_ROOT, startDevServer } from "../support/dev-server.js";

/** `keyhold vault …` as a child process with dev.env as its only configuration. */
describe("keyhold vault commands", () => {
  let server: DevServer;
  before(async () => {
    server = await startDevServer();
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[], env: Record<string, string> = server.env) => runKeyhold(env, args);

  it("prints its version with --version and -V", () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const printed = keyhold([flag], {});
      assert.equal(printed.status, 0, printed.stderr);
      assert.equal(printed.stdout.trim(), version);
    }
  });

  it("creates, shows, lists and deletes vaults, printing JSON", () => {
    const created = keyhold(["vault", "create", "--name", "cli-vault", "--retention-days", "7"]);
    assert.equal(created.status, 0, created.stderr);
    const vault = JSON.parse(created.stdout);
    assert.equal(vault.name, "cli-vault");
    assert.equal(vault.properties.softDeleteRetentionInDays, 7);
    assert.equal(vault.properties.vaultUri, "https://cli-vault.vault.azure.net");

    const shown = keyhold(["vault", "show", "--name", "cli-vault"]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).name, "cli-vault");

    const listed = JSON.parse(keyhold(["vault", "list"]).stdout) as { name: string }[];
    assert.deepEqual(listed.map((v) => v.name).sort(), ["cli-vault", "keyhold-dev"]);

    assert.equal(keyhold(["vault", "delete", "--name", "cli-vault"]).status, 0);
    const gone = keyhold(["vault", "show", "--name", "cli-vault"]);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /^ERROR: \(VaultNotFound\)/);
  });

  it("starts without warnings on its output (deprecations, experimental features)", () => {
    assert.doesNotMatch(server.output(), /Warning|Deprecat/i);
    assert.match(server.output(), /DEV MODE/);
  });

  it("authenticates with the managed identity env too, which is no server administrator", () => {
    const listed = keyhold(["vault", "list"], server.miEnv);
    assert.equal(listed.status, 1);
    assert.match(listed.stderr, /^ERROR: \(Forbidden\) Caller is not authorized to perform action 'Keyhold\/vaults\/read'/);
  });

  it("fails with one clear line for bad input, a duplicate and a missing environment", () => {
    const bad = keyhold(["vault", "create", "--name", "no_underscores"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^ERROR: \(BadParameter\) Vault names must be 3-24 characters/);
    assert.equal(bad.stderr.trim().split("\n").length, 1, "no stack trace");

    assert.equal(keyhold(["vault", "create", "--name", "dup-vault"]).status, 0);
    const dup = keyhold(["vault", "create", "--name", "DUP-vault"]);
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /\(Conflict\)/);

    const retention = keyhold(["vault", "create", "--name", "short-lived", "--retention-days", "3"]);
    assert.equal(retention.status, 1);
    assert.match(retention.stderr, /\(BadParameter\)/);

    const noEnv = keyhold(["vault", "list"], {});
    assert.equal(noEnv.status, 1);
    assert.match(noEnv.stderr, /KEYHOLD_URL is not set/);

    const wrongSecret = keyhold(["vault", "list"], { ...server.env, AZURE_CLIENT_SECRET: "nope" });
    assert.equal(wrongSecret.status, 1);
    assert.match(wrongSecret.stderr, /invalid_client/);
  });
});
