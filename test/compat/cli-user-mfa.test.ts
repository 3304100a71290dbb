import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";
import { secretOfUri } from "../support/totp-secret.js";

/** `keyhold user mfa enable|disable`, as child processes against a dev server. */
describe("keyhold user mfa commands", () => {
  let server: DevServer;
  let store: SqliteStore;
  before(async () => {
    server = await startDevServer();
    store = SqliteStore.open(join(server.dir, "keyhold.db"));
  });
  after(async () => {
    await store.close();
    await server.stop();
  });

  const keyhold = (args: string[], input?: string) => runKeyhold(server.env, args, undefined, input);
  const ok = (args: string[], input?: string): any => {
    const r = keyhold(args, input);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : null;
  };
  const totpCredentials = async (userId: string) => (await store.listCredentials(userId)).filter((c) => c.kind === "totp");

  it("enables TOTP: the otpauth URI on standard output once, a note on standard error; again replaces the secret", async () => {
    const erin = ok(["user", "create", "--name", "erin@example.org"], "erin's long password");
    assert.equal(ok(["user", "show", "erin@example.org"]).mfa, false);
    const run = keyhold(["user", "mfa", "enable", "ERIN@example.org"]);
    assert.equal(run.status, 0, run.stderr);
    const { otpauthUri } = JSON.parse(run.stdout);
    assert.match(
      otpauthUri,
      /^otpauth:\/\/totp\/Keyhold:erin@example\.org\?secret=[A-Z2-7]{32}&issuer=Keyhold&algorithm=SHA1&digits=6&period=30$/,
    );
    assert.match(run.stderr, /shown only now/);
    assert.equal(ok(["user", "show", "erin@example.org"]).mfa, true);
    assert.equal((await totpCredentials(erin.id)).length, 1);

    const tsv = keyhold(["user", "mfa", "enable", "erin@example.org", "--query", "otpauthUri", "-o", "tsv"]);
    assert.equal(tsv.status, 0, tsv.stderr);
    assert.notDeepEqual(secretOfUri(tsv.stdout.trim()), secretOfUri(otpauthUri), "a new secret each time");
    assert.equal((await totpCredentials(erin.id)).length, 1, "one TOTP secret per user");
  });

  it("disables TOTP, and refuses an unknown user", async () => {
    const erin = ok(["user", "show", "erin@example.org"]);
    assert.equal(ok(["user", "mfa", "disable", "erin@example.org"]), null);
    assert.equal(ok(["user", "show", "erin@example.org"]).mfa, false);
    assert.equal((await totpCredentials(erin.id)).length, 0);
    for (const action of ["enable", "disable"]) {
      const r = keyhold(["user", "mfa", action, "nobody@example.org"]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /PrincipalNotFound/);
    }
  });

  it("says in --help that the URI carries the secret and is shown once", () => {
    const help = keyhold(["user", "mfa", "enable", "--help"]);
    assert.match(help.stdout, /otpauth URI/);
    assert.match(help.stdout, /carries the secret/);
  });
});
