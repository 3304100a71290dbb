import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer, testRoot } from "../support/dev-server.js";

/**
 * `keyhold login` survives a new shell: it keeps the server's URL and CA with the token, so a shell with nothing
 * set (no KEYHOLD_URL, no NODE_EXTRA_CA_CERTS) reaches the server; and an expired login says so, and when.
 */
describe("keyhold login in a new shell", () => {
  let server: DevServer;
  let work: string;
  before(async () => {
    server = await startDevServer();
    work = mkdtempSync(join(testRoot(), "cli-login-"));
  });
  after(async () => {
    await server.stop();
  });

  /** A fresh config dir, and the environment of a new shell that uses it: nothing else set. */
  const newShell = (): Record<string, string> => ({ KEYHOLD_CONFIG_DIR: mkdtempSync(join(testRoot(), "config-")) });
  const ok = (env: Record<string, string>, args: string[]): any => {
    const r = runKeyhold(env, args, work);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  it("keeps the CA it ran with (NODE_EXTRA_CA_CERTS, as dev.env sets it), so the next shell needs nothing", () => {
    const shell = newShell();
    const login = ok({ ...server.env, ...shell }, ["login"]);
    assert.equal(login.caFile, server.env.NODE_EXTRA_CA_CERTS);
    const saved = readFileSync(login.savedIn, "utf8");
    assert.equal(statSync(login.savedIn).mode & 0o777, 0o600);
    assert.ok(!saved.includes(server.env.AZURE_CLIENT_SECRET!), "the secret is not kept");
    assert.equal(JSON.parse(saved).caFile, server.env.NODE_EXTRA_CA_CERTS);

    assert.ok(ok(shell, ["vault", "list", "--query", "[].name"]).includes(server.env.KEY_VAULT_NAME));
    const status = ok(shell, ["status"]);
    assert.deepEqual([status.url, status.reachable, status.credential, status.problem], [server.url, true, "keyhold login", undefined]);
  });

  it("keeps --ca as an absolute path, given relative to the directory of the login", () => {
    const shell = newShell();
    copyFileSync(server.env.NODE_EXTRA_CA_CERTS!, join(work, "server-ca.pem"));
    const { NODE_EXTRA_CA_CERTS: _ca, ...untrusting } = server.env;
    const login = ok({ ...untrusting, ...shell }, ["login", "--ca", "server-ca.pem"]);
    assert.equal(login.caFile, join(work, "server-ca.pem"));
    const elsewhere = runKeyhold(
      shell,
      ["secret", "set", "--vault-name", server.env.KEY_VAULT_NAME!, "-n", "s", "--value", "v"],
      testRoot(),
    );
    assert.equal(elsewhere.status, 0, elsewhere.stderr);
    writeFileSync(join(work, "not-a-ca.pem"), "hello\n");
    const bad = runKeyhold({ ...untrusting, ...shell }, ["login", "--ca", "not-a-ca.pem"], work);
    assert.match(bad.stderr, /^ERROR: \(BadParameter\) \S*not-a-ca\.pem is not a CA certificate in PEM/);
  });

  it("says when the login expired and that it must be done again, in commands and in status", () => {
    const shell = newShell();
    const { savedIn } = ok({ ...server.env, ...shell }, ["login"]);
    const saved = JSON.parse(readFileSync(savedIn, "utf8"));
    const expiresOn = saved.loggedInAt + 1;
    writeFileSync(savedIn, JSON.stringify({ ...saved, expiresOn }), { mode: 0o600 });
    const iso = (s: number) => new Date(s * 1000).toISOString().replace(/[.]/g, "\\.");
    const r = runKeyhold(shell, ["vault", "list"], work);
    assert.equal(r.status, 1);
    const expected =
      `^ERROR: \\(LoginExpired\\) the login of ${iso(saved.loggedInAt)} to ${server.url} expired at ${iso(expiresOn)} ` +
      "Hint: run `keyhold login` again";
    assert.match(r.stderr, new RegExp(expected));
    const status = runKeyhold(shell, ["status"], work);
    assert.equal(status.status, 1);
    assert.equal(JSON.parse(status.stdout).problem.code, "LoginExpired");
  });
});
