import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runKeyhold, runKeyholdWatched } from "../support/cli.js";
import { CLI, type DevServer, newDataDir, startDevServer, testRoot } from "../support/dev-server.js";

/** Dev mode's options and `dev env`, login/logout/status, completion, and --help everywhere. */
describe("keyhold dev options, sessions, completion and help", () => {
  let server: DevServer;
  let config: string;
  const seedFile = join(mkdtempSync(join(testRoot(), "seed-")), "seed.yaml");
  writeFileSync(
    seedFile,
    [
      "vaults:",
      "  - name: seeded-vault",
      "    secrets:",
      '      generated: "${random:16}"',
      '      from-env: "${env:SEED_VALUE}"',
      "      described: { value: plain, contentType: text/plain, tags: { team: a } }",
      "    keys:",
      "      signer: { kty: EC, crv: P-256 }",
      "  - name: seeded-policies",
      "    enableRbacAuthorization: false",
      "",
    ].join("\n"),
  );
  const dir = newDataDir();

  before(async () => {
    process.env.SEED_VALUE = "from the environment";
    server = await startDevServer(dir, ["--seed", seedFile, "--vault", "extra-one", "extra-two"]);
    config = mkdtempSync(join(testRoot(), "config-"));
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[], env: Record<string, string> = server.env) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH!, KEYHOLD_CONFIG_DIR: config, ...env, HTTPS_PROXY: "", https_proxy: "" },
      encoding: "utf8",
    });
  const json = (args: string[], env?: Record<string, string>) => {
    const r = keyhold(args, env);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  it("prints the dev environment for eval, for the service principal or the managed identity", () => {
    const sp = keyhold(["dev", "env", "--data-dir", dir]);
    assert.equal(sp.status, 0, sp.stderr);
    assert.equal(sp.stdout, readFileSync(join(dir, "dev.env"), "utf8"));
    assert.match(keyhold(["dev", "--data-dir", dir, "env", "--managed-identity"]).stdout, /^export IDENTITY_HEADER=/m);
    const none = keyhold(["dev", "env", "--data-dir", join(dir, "absent")]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /^ERROR: \(NoDevServer\)/);
  });

  it("makes --vault vaults and the seed's vaults, secrets and keys, with placeholders filled in", () => {
    const names = json(["vault", "list", "--query", "[].name"]);
    for (const name of ["keyhold-dev", "extra-one", "extra-two", "seeded-vault", "seeded-policies"]) assert.ok(names.includes(name), name);
    assert.equal(json(["secret", "show", "--vault-name", "seeded-vault", "-n", "from-env", "--query", "value"]), "from the environment");
    assert.match(json(["secret", "show", "--vault-name", "seeded-vault", "-n", "generated", "--query", "value"]), /^[A-Za-z0-9_-]{22}$/);
    const described = json(["secret", "show", "--vault-name", "seeded-vault", "-n", "described"]);
    assert.deepEqual([described.contentType, described.tags], ["text/plain", { team: "a" }]);
    assert.equal(json(["key", "show", "--vault-name", "seeded-vault", "-n", "signer", "--query", "key.crv"]), "P-256");
    assert.equal(json(["vault", "show", "--name", "seeded-policies", "--query", "properties.enableRbacAuthorization"]), false);
    assert.equal(
      json(["secret", "set", "--vault-name", "extra-two", "-n", "x", "--value", "y", "--query", "value"]),
      "y",
      "dev grants on --vault vaults",
    );
  });

  it("keeps seeded values across a restart, and starts empty with --reset but keeps the CA", async () => {
    const before = json(["secret", "show", "--vault-name", "seeded-vault", "-n", "generated", "--query", "value"]);
    const ca = readFileSync(join(dir, "ca.pem"));
    await server.stop();
    server = await startDevServer(dir, ["--seed", seedFile]);
    assert.equal(
      json(["secret", "show", "--vault-name", "seeded-vault", "-n", "generated", "--query", "value"]),
      before,
      "a restart changes nothing",
    );
    assert.equal(json(["secret", "list-versions", "--vault-name", "seeded-vault", "-n", "generated", "--query", "length(@)"]), 1);
    await server.stop();
    server = await startDevServer(dir, ["--reset"]);
    assert.match(server.output(), /--reset: the dev credentials are new; shells that sourced .*dev\.env must source it again/);
    assert.deepEqual(json(["vault", "list", "--query", "[].name"]), ["keyhold-dev"]);
    assert.deepEqual(readFileSync(join(dir, "ca.pem")), ca, "the CA stays, so clients keep trusting the server");
  });

  it("refuses a bad seed file before starting, saying where", () => {
    const bad = join(mkdtempSync(join(testRoot(), "seed-")), "bad.yaml");
    writeFileSync(bad, 'vaults:\n  - name: v1\n    secrets:\n      s: "${nope}"\n');
    const r = spawnSync(process.execPath, [CLI, "dev", "--data-dir", newDataDir(), "--port", "0", "--seed", bad], {
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.yaml:4:10: vaults\[0\]\.secrets\.s: unknown placeholder/);
  });

  it("logs in, works without the environment, shows its status, and logs out", () => {
    const login = json(["login"]);
    assert.equal(login.url, server.url);
    assert.equal(statSync(login.savedIn).mode & 0o777, 0o600);
    assert.doesNotMatch(readFileSync(login.savedIn, "utf8"), new RegExp(server.env.AZURE_CLIENT_SECRET!), "the secret is not kept");
    const bare = { NODE_EXTRA_CA_CERTS: server.env.NODE_EXTRA_CA_CERTS! };
    const status = json(["status"], bare);
    assert.deepEqual([status.reachable, status.credential, status.serverAdministrator], [true, "keyhold login", true]);
    assert.equal(status.principalId, server.env.AZURE_CLIENT_ID!.toLowerCase());
    assert.ok(json(["vault", "list"], bare).length >= 1);
    assert.equal(json(["logout"], bare).loggedOut, true);
    const after = keyhold(["vault", "list"], bare);
    assert.equal(after.status, 1);
    assert.match(after.stderr, /^ERROR: \(MissingEnvironment\)/);
    const mi = json(["status"], server.miEnv);
    assert.deepEqual([mi.credential, mi.serverAdministrator], ["environment: managed identity", false]);
  });

  it("logs in with --client-secret - from stdin or with AZURE_CLIENT_SECRET, never with the secret in the arguments", async () => {
    const { AZURE_CLIENT_SECRET: secret, AZURE_CLIENT_ID: clientId, ...withoutSecret } = server.env;
    const withConfig = { ...withoutSecret, KEYHOLD_CONFIG_DIR: config };
    // As `keyhold principal create … --query clientSecret -o tsv` pipes it: with a trailing line break, which is dropped.
    const args = ["login", "--client-id", clientId!, "--client-secret", "-"];
    const run = await runKeyholdWatched(withConfig, args, `${secret}\n`);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!args.some((a) => a.includes(secret!)));
    if (run.visibleArgs) {
      assert.ok(run.visibleArgs.includes("--client-secret"), `read the right process: ${run.visibleArgs.join(" ")}`);
      assert.ok(!run.visibleArgs.some((a) => a.includes(secret!)), `ps shows: ${run.visibleArgs.join(" ")}`);
    }
    const bare = { NODE_EXTRA_CA_CERTS: server.env.NODE_EXTRA_CA_CERTS! };
    assert.equal(json(["status"], bare).credential, "keyhold login");
    assert.doesNotMatch(readFileSync(JSON.parse(run.stdout).savedIn, "utf8"), new RegExp(secret!), "the secret is not kept");
    assert.equal(json(["logout"], bare).loggedOut, true);

    // Exactly as `printf %s` pipes it, too; a wrong one fails as the server says, not silently with another credential.
    assert.equal(runKeyhold(withConfig, args, undefined, secret).status, 0);
    const wrong = runKeyhold({ ...server.env, KEYHOLD_CONFIG_DIR: config }, args, undefined, "not-the-secret");
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^ERROR: \(invalid_client\)/);
    const empty = runKeyhold({ ...server.env, KEYHOLD_CONFIG_DIR: config }, args, undefined, "\n");
    assert.match(empty.stderr, /^ERROR: \(BadParameter\) --client-secret -: standard input held only a line break/);

    // The environment route: AZURE_CLIENT_SECRET, as the Azure SDKs read it.
    const fromEnv = runKeyhold({ ...withConfig, AZURE_CLIENT_SECRET: secret! }, ["login", "--client-id", clientId!]);
    assert.equal(fromEnv.status, 0, fromEnv.stderr);
    assert.equal(json(["logout"], bare).loggedOut, true);
  });

  it("prints completion scripts that complete commands and options in bash", () => {
    const script = keyhold(["completion", "bash"]).stdout;
    const complete = (words: string[]) =>
      spawnSync(
        "bash",
        [
          "-c",
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _keyhold; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: "utf8" },
      ).stdout.trim();
    assert.equal(complete(["keyhold", "sec"]), "secret");
    assert.match(complete(["keyhold", "secret", "set", "--vault"]), /--vault-name/);
    assert.equal(complete(["keyhold", "role", "assignment", "cr"]), "create");
    assert.match(keyhold(["completion", "zsh"]).stdout, /bashcompinit/);
    assert.match(keyhold(["completion", "fish"]).stdout, /complete -c keyhold -n '__fish_seen_subcommand_from secret' -a '.*show/);
    assert.equal(keyhold(["completion", "tcsh"]).status, 1);
  });

  it("answers --help on every command, with examples on each: groups (`keyhold secret --help`) and keyhold itself too", () => {
    const script = keyhold(["completion", "bash"]).stdout;
    const nodes = [...script.matchAll(/^ {4}"([^"]*)"\) words="([^"]*)"/gm)].map((m) => ({ path: m[1]!, group: !m[2]!.startsWith("-") }));
    assert.ok(nodes.length > 60, `${nodes.length} command paths`);
    const groups = nodes.filter((n) => n.group).map((n) => n.path);
    for (const group of [
      "",
      "vault",
      "secret",
      "key",
      "key rotation-policy",
      "principal",
      "principal credential",
      "identity",
      "policy",
      "role",
      "role assignment",
      "role definition",
    ]) {
      assert.ok(groups.includes(group), `'${group}' is a group`);
    }
    for (const { path } of nodes) {
      const r = keyhold([...(path ? path.split(" ") : []), "--help"]);
      assert.equal(r.status, 0, `${path} --help: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: keyhold/, path);
      assert.match(r.stdout, /\nExamples?:\n {2}\S/, `${path || "keyhold"} --help has an example`);
    }
  });
});
