import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AuthThrottle } from "../../src/identity/auth-throttle.js";
import { PrincipalService } from "../../src/identity/principal-service.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { runKeyhold, runKeyholdWatched } from "../support/cli.js";
import { CLI, type DevServer, startDevServer } from "../support/dev-server.js";

const PASSWORD = "alice's first password";
const NEW_PASSWORD = "alice's second password";

/**
 * Runs `keyhold ARGS` on a pseudo-terminal (python3's pty) and types `typed[i]` and Enter at the i-th prompt: what a
 * person at a terminal does. Answers the exit status and everything the terminal showed.
 */
function atTerminal(env: Record<string, string>, args: string[], typed: string[]): { status: number; seen: string } {
  const script = [
    "import json, os, pty, sys",
    "argv, typed = json.loads(sys.argv[1]), json.loads(sys.argv[2])",
    "pid, fd = pty.fork()",
    "if pid == 0:",
    "    os.execv(argv[0], argv)",
    "seen, sent = b'', 0",
    "while True:",
    "    try:",
    "        chunk = os.read(fd, 4096)",
    "    except OSError:",
    "        break",
    "    if not chunk:",
    "        break",
    "    seen += chunk",
    "    if sent < len(typed) and seen.count(b'not echoed') > sent:",
    "        os.write(fd, typed[sent].encode() + b'\\r')",
    "        sent += 1",
    "status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])",
    "print(json.dumps({'status': status, 'seen': seen.decode('utf8', 'replace')}))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script, JSON.stringify([process.execPath, CLI, ...args]), JSON.stringify(typed)], {
    env: { ...process.env, ...env, HTTPS_PROXY: "", https_proxy: "" },
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { status: number; seen: string };
}

/** `keyhold user …` and user names in `--assignee` and `--spn`, as child processes against a dev server. */
describe("keyhold user commands", () => {
  let server: DevServer;
  let store: SqliteStore;
  /** Checks passwords against the server's store, as sign-in will. */
  let principals: PrincipalService;
  before(async () => {
    server = await startDevServer();
    store = SqliteStore.open(join(server.dir, "keyhold.db"));
    const throttle = new AuthThrottle({ clientId: { perMinute: 1000, burst: 1000 }, holdMs: 0 });
    principals = new PrincipalService(store, () => Math.floor(Date.now() / 1000), { throttle });
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
  const fails = (args: string[], message: RegExp, input?: string) => {
    const r = keyhold(args, input);
    assert.equal(r.status, 1, `keyhold ${args.join(" ")} should fail`);
    assert.match(r.stderr, message);
    return r;
  };

  it("creates a user with the password piped, never on the command line nor in the output", async () => {
    const run = await runKeyholdWatched(
      server.env,
      ["user", "create", "--name", "alice@example.org", "--display-name", "Alice"],
      `${PASSWORD}\n`,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!(run.visibleArgs ?? []).some((a) => a.includes(PASSWORD)));
    assert.ok(!run.stdout.includes(PASSWORD) && !run.stderr.includes(PASSWORD));
    const alice = JSON.parse(run.stdout);
    assert.deepEqual([alice.userName, alice.displayName, alice.type], ["alice@example.org", "Alice", "user"]);
    assert.equal((await principals.authenticateUser("alice@example.org", PASSWORD))?.principal.id, alice.id, "echo's newline dropped");

    assert.equal(ok(["user", "show", "ALICE@example.org"]).id, alice.id);
    assert.equal(ok(["user", "show", alice.id]).userName, "alice@example.org");
    assert.deepEqual(ok(["user", "list", "--query", "[].userName"]), ["dev@keyhold.local", "alice@example.org"]);
    const table = keyhold(["user", "list", "-o", "table"]).stdout;
    assert.match(table, /^UserName\s+DisplayName\s+Id\s+Created/);
    assert.match(table, new RegExp(`alice@example\\.org\\s+Alice\\s+${alice.id}`));
    assert.ok(ok(["principal", "list"]).some((p: any) => p.id === alice.id && p.userName === "alice@example.org"));
  });

  it("registers a public client users sign in through, with no secret", () => {
    const made = keyhold(["principal", "create", "--name", "my-cli-tool", "--public-client"]);
    assert.equal(made.status, 0, made.stderr);
    const client = JSON.parse(made.stdout);
    assert.equal(client.type, "publicClient");
    assert.match(client.clientId, /^[0-9a-f-]{36}$/);
    assert.equal("clientSecret" in client, false);
    const both = keyhold(["principal", "create", "--name", "x", "--public-client", "--secret-lifetime-days", "3"]);
    assert.equal(both.status, 1);
    assert.match(both.stderr, /BadArgument/);
  });

  it("refuses what the server refuses, and an empty standard input", () => {
    fails(
      ["user", "create", "--name", "bob@example.org"],
      /^ERROR: \(BadParameter\) A password must have 12 to 256 characters/,
      "too short",
    );
    fails(["user", "create", "--name", "bob"], /^ERROR: \(BadParameter\) A user name must be/, PASSWORD);
    fails(
      ["user", "create", "--name", "Alice@Example.org"],
      /^ERROR: \(Conflict\) A user named 'Alice@Example.org' already exists/,
      PASSWORD,
    );
    fails(["user", "create", "--name", "bob@example.org"], /^ERROR: \(BadParameter\) standard input was empty: no password/, "");
    fails(["user", "show", "bob@example.org"], /^ERROR: \(PrincipalNotFound\) No user 'bob@example.org'/);
  });

  it("says in --help where the password comes from, with examples, and takes no password option", () => {
    for (const command of ["create", "set-password"]) {
      const r = keyhold(["user", command, "--help"]);
      assert.equal(r.status, 0, r.stderr);
      const text = r.stdout;
      assert.match(text, /piped or redirected: read from standard input/);
      assert.match(text, /asked for twice at the terminal, not echoed/);
      assert.match(text, /printf %s "\$\w+" \| keyhold user/);
      assert.doesNotMatch(text, /--password/);
    }
  });

  it("sets a new password from standard input: the old one stops working", async () => {
    ok(["user", "set-password", "alice@EXAMPLE.org"], NEW_PASSWORD);
    assert.ok(await principals.authenticateUser("alice@example.org", NEW_PASSWORD));
    assert.equal(await principals.authenticateUser("alice@example.org", PASSWORD), null);
    fails(["user", "set-password", "nobody@example.org"], /^ERROR: \(PrincipalNotFound\)/, NEW_PASSWORD);
  });

  const python = spawnSync("python3", ["-c", "import pty, json"]).status === 0;
  it(
    "asks at a terminal twice, without echo, and refuses two passwords that differ",
    { skip: python ? false : "needs python3 (for a pseudo-terminal)" },
    async () => {
      const typed = "typed at the terminal";
      const made = atTerminal(server.env, ["user", "create", "--name", "carol@example.org"], [typed, typed]);
      assert.equal(made.status, 0, made.seen);
      assert.match(made.seen, /New password \(not echoed\): [\s\S]*New password again \(not echoed\): /);
      assert.ok(!made.seen.includes(typed), made.seen);
      assert.ok(await principals.authenticateUser("carol@example.org", typed));

      const differ = atTerminal(server.env, ["user", "set-password", "carol@example.org"], ["one new password", "another password"]);
      assert.equal(differ.status, 1, differ.seen);
      assert.match(differ.seen, /ERROR: \(BadParameter\) the two passwords typed differ: nothing was changed/);
      assert.ok(await principals.authenticateUser("carol@example.org", typed), "unchanged");
    },
  );

  it("takes a user name for --assignee and --spn, and refuses an unknown one before granting anything", () => {
    const alice = ok(["user", "show", "alice@example.org"]);
    const vault = server.env.KEY_VAULT_NAME!;
    const assignment = ok([
      "role",
      "assignment",
      "create",
      "--role",
      "Key Vault Secrets User",
      "--assignee",
      "Alice@example.org",
      "--scope",
      `/vaults/${vault}`,
    ]);
    assert.equal(assignment.principalId, alice.id);
    assert.deepEqual(
      ok(["role", "assignment", "list", "--assignee", "alice@example.org", "--query", "[].[principalId, roleDefinitionName]"]),
      [[alice.id, "Key Vault Secrets User"]],
    );
    fails(
      ["role", "assignment", "create", "--role", "Key Vault Secrets User", "--assignee", "nobody@example.org", "--scope", "/"],
      /^ERROR: \(PrincipalNotFound\) No user 'nobody@example.org' exists/,
    );
    fails(["role", "assignment", "list", "--assignee", "nobody@example.org"], /^ERROR: \(PrincipalNotFound\)/);

    ok(["vault", "create", "--name", "user-policies", "--enable-rbac-authorization", "false"]);
    const policy = ok(["policy", "set", "--vault-name", "user-policies", "--spn", "alice@example.org", "--secret-permissions", "get"]);
    assert.equal(policy.objectId, alice.id);
    const merged = ok(["policy", "set", "--vault-name", "user-policies", "--spn", "ALICE@example.org", "--key-permissions", "get"]);
    assert.deepEqual([merged.permissions.secrets, merged.permissions.keys], [["get"], ["get"]], "merged with the same principal's");
    fails(
      ["policy", "set", "--vault-name", "user-policies", "--spn", "nobody@example.org", "--secret-permissions", "get"],
      /PrincipalNotFound/,
    );
    ok(["policy", "delete", "--vault-name", "user-policies", "--spn", "alice@example.org"]);
    assert.ok(!ok(["policy", "list", "--vault-name", "user-policies"]).some((p: any) => p.objectId === alice.id));
  });

  it("deletes a user by name, with its grants", async () => {
    const alice = ok(["user", "show", "alice@example.org"]);
    ok(["user", "delete", "ALICE@example.org"]);
    fails(["user", "show", alice.id], /^ERROR: \(PrincipalNotFound\)/);
    assert.deepEqual(ok(["role", "assignment", "list", "--assignee", alice.id]), []);
    assert.equal(await principals.authenticateUser("alice@example.org", NEW_PASSWORD), null);
    fails(["user", "delete", "alice@example.org"], /^ERROR: \(PrincipalNotFound\)/);
  });
});
