import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { type AddressInfo, type Socket, createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runKeyhold, runKeyholdAsync } from "../support/cli.js";
import { type DevServer, startDevServer, testRoot } from "../support/dev-server.js";
import { startWrongTlsServer } from "../support/tls-test-server.js";

/**
 * Every error the CLI prints is one line, `ERROR: (Code) message Hint: …`, whatever failed (a file, OpenSSL, the
 * command line, the network, the server), and the hint fits what happened: against a live dev server.
 */
describe("keyhold's error lines", () => {
  let server: DevServer;
  let work: string;
  let vault: string;
  before(async () => {
    server = await startDevServer();
    vault = server.env.KEY_VAULT_NAME!;
    work = mkdtempSync(join(testRoot(), "cli-errors-"));
  });
  after(async () => {
    await server.stop();
  });

  /** Asserts that a run failed with one line matching `line` on stderr, nothing on stdout; answers the line. */
  const failedWith = (r: { status: number | null; stdout: string; stderr: string }, line: RegExp): string => {
    assert.equal(r.status, 1, `should fail: ${r.stdout}`);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.split("\n").length, 2, `one line: ${r.stderr}`);
    assert.match(r.stderr, /^ERROR: \(\w+\) .+ Hint: \S.*\n$/);
    assert.match(r.stderr, line);
    return r.stderr;
  };
  const fails = (args: string[], line: RegExp, env: Record<string, string> = server.env): string =>
    failedWith(runKeyhold(env, args, work), line);
  const ok = (args: string[], env: Record<string, string> = server.env): any => {
    const r = runKeyhold(env, args, work);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : null;
  };
  const v = ["--vault-name"];

  it("names the file and what is wrong with it, for files read and written", () => {
    fails(
      ["secret", "set", ...v, vault, "-n", "f", "--file", "missing.txt"],
      /^ERROR: \(FileNotFound\) missing\.txt does not exist Hint: /,
    );
    mkdirSync(join(work, "a-directory"));
    fails(["secret", "set", ...v, vault, "-n", "f", "--file", "a-directory"], /^ERROR: \(NotAFile\) a-directory is a directory/);
    fails(["secret", "restore", ...v, vault, "--file", "missing.backup"], /^ERROR: \(FileNotFound\) missing\.backup does not exist/);
    fails(["role", "definition", "create", "--role-definition", "@missing.json"], /^ERROR: \(FileNotFound\) missing\.json does not exist/);
    fails(["login", "--ca", "missing-ca.pem"], /^ERROR: \(CaFileUnreadable\) the CA file: \S*missing-ca\.pem does not exist/);
    writeFileSync(join(work, "taken.env"), "");
    ok(["secret", "set", ...v, vault, "-n", "exported", "--value", "x"]);
    fails(["secret", "export", ...v, vault, "--file", "taken.env"], /^ERROR: \(FileExists\) taken\.env exists/);
  });

  it("says what a key file holds instead of a private key, not OpenSSL's decoder error, and never quotes it", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(work, "public.pem"), publicKey.export({ format: "pem", type: "spki" }));
    writeFileSync(join(work, "garbage.pem"), "not a key at all\n");
    writeFileSync(join(work, "broken.jwk"), JSON.stringify(privateKey.export({ format: "jwk" })).slice(0, -40));
    const importing = (flag: string, file: string) => ["key", "import", ...v, vault, "-n", "imported", flag, file];
    const publicPem = fails(
      importing("--pem-file", "public.pem"),
      /^ERROR: \(BadParameter\) public\.pem is not a private key in PEM .*it holds a PUBLIC KEY/,
    );
    assert.doesNotMatch(publicPem, /DECODER|error:1E08010C/);
    fails(importing("--pem-file", "garbage.pem"), /^ERROR: \(BadParameter\) garbage\.pem is not a private key in PEM .*no PEM block/);
    const jwk = fails(importing("--jwk-file", "broken.jwk"), /^ERROR: \(BadParameter\) broken\.jwk is not a JWK: it is not valid JSON/);
    assert.doesNotMatch(jwk, /"d"|"p"|"q"/, "no key material in the error");
    fails(
      ["key", "import", ...v, vault, "-n", "imported"],
      /^ERROR: \(BadParameter\) give exactly one of --pem-file, --jwk-file and --byok-file/,
    );
  });

  it("prints every kind of usage error as (BadArgument) with the help of the command meant", () => {
    const help = (path: string) =>
      new RegExp(`Hint: \`keyhold ${path} --help\` (shows the options and examples|lists the commands)\\.$`, "m");
    assert.match(
      fails(["secret", "show", ...v, vault, "-n", "s", "--bogus"], /^ERROR: \(BadArgument\) unknown option '--bogus'/),
      help("secret show"),
    );
    assert.match(fails(["secret", "frobnicate"], /^ERROR: \(BadArgument\) unknown command 'frobnicate'/), help("secret"));
    assert.match(
      fails(["secret", "show", "-n", "s"], /^ERROR: \(BadArgument\) required options? .*'--vault-name <vault>'.* not specified/),
      help("secret show"),
    );
    assert.match(
      fails(["secret", "show", "-n", "s", "--vault-name"], /^ERROR: \(BadArgument\) option '--vault-name <vault>' argument missing/),
      help("secret show"),
    );
    assert.match(
      fails(
        ["key", "create", ...v, vault, "-n", "k", "--kty", "XX"],
        /^ERROR: \(BadArgument\) option '--kty <kty>' argument 'XX' is invalid/,
      ),
      help("key create"),
    );
    assert.match(
      fails(["secret", "show", ...v, vault, "-n", "s", "extra"], /^ERROR: \(BadArgument\) too many arguments for 'show'/),
      help("secret show"),
    );
    assert.match(fails(["run", ...v, vault, "--all"], /^ERROR: \(BadArgument\) missing required argument 'command'/), help("run"));
    assert.match(
      fails(
        ["-o", "table", "secret", "update", ...v, vault, "-n", "s", "--enabled", "maybe"],
        /^ERROR: \(BadArgument\) .*must be true or false/,
      ),
      help("secret update"),
    );
  });

  it("chooses hints by what the server said, not by its code alone", () => {
    const notAGrant = /Hint: (?!.*(administrator|role assignment create|policy set|server running))/;
    ok(["secret", "set", ...v, vault, "-n", "off", "--value", "x"]);
    ok(["secret", "update", ...v, vault, "-n", "off", "--enabled", "false"]);
    const disabled = fails(
      ["secret", "show", ...v, vault, "-n", "off"],
      /^ERROR: \(Forbidden\) Operation get is not allowed on a disabled secret\. Hint: .*secret update .*--enabled true/,
    );
    assert.match(disabled, notAGrant);

    ok(["key", "create", ...v, vault, "-n", "signer", "--kty", "EC", "--ops", "sign", "verify"]);
    const encrypt = fails(
      ["key", "encrypt", ...v, vault, "-n", "signer", "-a", "RSA-OAEP", "--value", "AA=="],
      /^ERROR: \(Forbidden\) Operation encrypt is not permitted on this key\. Hint: .*key_ops.*--ops/,
    );
    assert.match(encrypt, notAGrant);
    const digest = Buffer.alloc(32).toString("base64");
    ok(["key", "sign", ...v, vault, "-n", "signer", "-a", "ES256", "--digest", digest]);
    ok(["key", "update", ...v, vault, "-n", "signer", "--enabled", "false"]);
    assert.match(
      fails(
        ["key", "sign", ...v, vault, "-n", "signer", "-a", "ES256", "--digest", digest],
        /^ERROR: \(Forbidden\) .*disabled key\. Hint: .*key update .*--enabled true/,
      ),
      notAGrant,
    );

    ok(["vault", "create", "--name", "protected-v", "--enable-purge-protection"]);
    ok(["secret", "set", ...v, "protected-v", "-n", "kept", "--value", "x"]);
    ok(["secret", "delete", ...v, "protected-v", "-n", "kept"]);
    const purge = fails(
      ["secret", "purge", ...v, "protected-v", "-n", "kept"],
      /^ERROR: \(Forbidden\) Operation "purge" is not allowed because purge protection is enabled/,
    );
    assert.match(purge, /Hint: the vault is purge-protected: .*secret recover/);
    assert.match(purge, notAGrant);
    ok(["vault", "delete", "--name", "protected-v", "--yes"]);
    fails(
      ["vault", "purge", "--name", "protected-v"],
      /^ERROR: \(MethodNotAllowed\) Operation 'DeletedVaultPurge' is not allowed\..* Hint: .*vault recover/,
    );

    ok(["vault", "create", "--name", "standard-v", "--sku", "standard"]);
    const hsm = fails(
      ["key", "create", ...v, "standard-v", "-n", "h", "--kty", "RSA-HSM"],
      /^ERROR: \(Forbidden\) Hardware key operation not allowed on standard vault Hint: /,
    );
    assert.match(hsm, /keyhold vault update --name V --sku premium/);
    assert.match(hsm, notAGrant);

    ok([
      "role",
      "definition",
      "create",
      "--role-definition",
      JSON.stringify({ roleName: "Still Used", permissions: { dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action"] } }),
    ]);
    ok([
      "role",
      "assignment",
      "create",
      "--role",
      "Still Used",
      "--assignee",
      server.env.AZURE_CLIENT_ID!,
      "--scope",
      "/vaults/standard-v",
    ]);
    const role = fails(
      ["role", "definition", "delete", "--name", "Still Used"],
      /^ERROR: \(Conflict\) The role 'Still Used' is assigned; delete its assignments first\./,
    );
    assert.match(role, /Hint: `keyhold role assignment list` shows the assignments/);
    assert.doesNotMatch(role, /name is taken/);
  });

  it("tells a missing permission of a vault from one of the admin API, with the grant that fits", () => {
    const weak = ok(["principal", "create", "--name", "weak"]);
    const env = { ...server.env, AZURE_CLIENT_ID: weak.clientId, AZURE_CLIENT_SECRET: weak.clientSecret };
    const data = fails(
      ["secret", "list", ...v, vault],
      /^ERROR: \(Forbidden\) Caller is not authorized to perform action on resource\./,
      env,
    );
    assert.match(data, /Hint: .*role assignment create --role R --assignee ID --scope \/vaults\/V/);
    fails(
      ["vault", "list"],
      /^ERROR: \(Forbidden\) .*server scope '\/'\. Hint: this needs a server administrator: .*Keyhold Administrator/,
      env,
    );
  });

  it("says why a server is unreachable, in commands and in `status`: refused, DNS, TLS trust, wrong name, expired, timeout", async () => {
    const credentials = {
      AZURE_CLIENT_ID: "id",
      AZURE_CLIENT_SECRET: "secret",
      AZURE_AUTHORITY_HOST: server.url,
      KEYHOLD_CONFIG_DIR: join(work, "none"),
    };
    const at = (url: string, extra: Record<string, string> = {}) => ({
      ...credentials,
      KEYHOLD_URL: url,
      NODE_EXTRA_CA_CERTS: server.env.NODE_EXTRA_CA_CERTS!,
      ...extra,
    });
    // Asynchronously: the TLS servers below answer from this process.
    const failsAt = async (env: Record<string, string>, line: RegExp) =>
      failedWith(await runKeyholdAsync(env, ["vault", "list"], work), line);
    const status = async (env: Record<string, string>) => {
      const r = await runKeyholdAsync(env, ["status"], work);
      assert.equal(r.status, 1, r.stderr);
      return JSON.parse(r.stdout);
    };

    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    await failsAt(
      at(`https://localhost:${closedPort}`),
      /^ERROR: \(ConnectionRefused\) nothing accepts connections at localhost:\d+ .*Hint: is the server running/,
    );
    assert.equal((await status(at(`https://localhost:${closedPort}`))).problem.code, "ConnectionRefused");

    await failsAt(at("https://keyhold.invalid:8443"), /^ERROR: \(HostNotFound\) the host name keyhold\.invalid does not resolve/);
    assert.equal((await status(at("https://keyhold.invalid:8443"))).problem.code, "HostNotFound");

    const { NODE_EXTRA_CA_CERTS: _trusted, ...untrusting } = at(server.url);
    const untrusted = await failsAt(
      untrusting,
      /^ERROR: \(TlsUntrusted\) the TLS certificate of https:\/\/localhost:\d+ is not trusted: self-signed certificate in .* chain/,
    );
    assert.match(untrusted, /Hint: .*NODE_EXTRA_CA_CERTS=.*ca\.pem.*keyhold login --ca/);
    assert.doesNotMatch(untrusted, /server running/);
    const untrustedStatus = await status(untrusting);
    assert.deepEqual([untrustedStatus.reachable, untrustedStatus.problem.code], [false, "TlsUntrusted"]);
    assert.match(untrustedStatus.problem.hint, /NODE_EXTRA_CA_CERTS/);

    for (const [wrong, code] of [
      ["name", "TlsHostnameMismatch"],
      ["expired", "TlsCertificateExpired"],
    ] as const) {
      const tls = await startWrongTlsServer(wrong);
      try {
        await failsAt(at(tls.url), new RegExp(`^ERROR: \\(${code}\\) the TLS certificate of ${tls.url.replace(/[/.]/g, "\\$&")} `));
        assert.equal((await status(at(tls.url))).problem.code, code);
      } finally {
        await tls.close();
      }
    }

    await failsAt(at("http://localhost:1"), /^ERROR: \(InvalidServerUrl\) KEYHOLD_URL 'http:\/\/localhost:1' is not an https:\/\/ URL/);

    // Accepts the connection and says nothing: `status` gives up after 5 s.
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
    try {
      const silentStatus = await status(at(`https://localhost:${(silent.address() as AddressInfo).port}`));
      assert.deepEqual([silentStatus.reachable, silentStatus.problem.code], [false, "ConnectionTimedOut"]);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});
