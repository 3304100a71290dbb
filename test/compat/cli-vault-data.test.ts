import assert from "node:assert/strict";
import { createHash, createVerify, generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runKeyhold, runKeyholdWatched } from "../support/cli.js";
import { parse as parseYaml } from "yaml";
import { CLI, type DevServer, startDevServer, testRoot } from "../support/dev-server.js";

/** The secret, key and run commands as child processes against a live server (dev.env only). */
describe("keyhold secret, key and run commands", () => {
  let server: DevServer;
  let work: string;
  let vault: string;
  before(async () => {
    server = await startDevServer();
    vault = server.env.KEY_VAULT_NAME!;
    work = mkdtempSync(join(testRoot(), "cli-work-"));
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[], input?: string | Buffer) => runKeyhold(server.env, args, work, input);
  /** Runs a command that must succeed; its stdout parsed as JSON (or null when empty). */
  const ok = (args: string[]): any => {
    const r = keyhold(args);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : null;
  };
  const fails = (args: string[], code: RegExp) => {
    const r = keyhold(args);
    assert.equal(r.status, 1, `keyhold ${args.join(" ")} should fail`);
    assert.match(r.stderr, code);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line, no stack: ${r.stderr}`);
    assert.equal(r.stdout, "");
  };
  const v = ["--vault-name"];

  it("sets, shows, lists, updates, deletes, recovers and purges secrets, printing the REST shapes", () => {
    const set = ok([
      "secret",
      "set",
      ...v,
      vault,
      "--name",
      "cli-s",
      "--value",
      "one",
      "--tags",
      "env=dev",
      "--content-type",
      "text/plain",
    ]);
    assert.equal(set.value, "one");
    assert.deepEqual(set.tags, { env: "dev" });
    const second = ok(["secret", "set", ...v, vault, "-n", "cli-s", "--value", "two", "--expires", "2030-01-01T00:00:00Z"]);
    assert.equal(second.attributes.exp, 1_893_456_000);
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "cli-s"]).value, "two");
    const firstVersion = set.id.split("/").pop();
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "cli-s", "--version", firstVersion]).value, "one");
    assert.ok(ok(["secret", "list", ...v, vault]).some((s: any) => s.id.endsWith("/secrets/cli-s")));
    assert.equal(ok(["secret", "list-versions", ...v, vault, "-n", "cli-s"]).length, 2);
    assert.equal(ok(["secret", "update", ...v, vault, "-n", "cli-s", "--enabled", "false"]).attributes.enabled, false);
    fails(["secret", "show", ...v, vault, "-n", "cli-s"], /^ERROR: \(Forbidden\) .*disabled/);
    ok(["secret", "update", ...v, vault, "-n", "cli-s", "--enabled", "true"]);

    assert.ok(ok(["secret", "delete", ...v, vault, "-n", "cli-s"]).recoveryId);
    assert.ok(ok(["secret", "list-deleted", ...v, vault]).some((s: any) => s.recoveryId.endsWith("/deletedsecrets/cli-s")));
    assert.ok(ok(["secret", "show-deleted", ...v, vault, "-n", "cli-s"]).scheduledPurgeDate);
    assert.equal(ok(["secret", "recover", ...v, vault, "-n", "cli-s"]).value, undefined);
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "cli-s"]).value, "two");
    ok(["secret", "delete", ...v, vault, "-n", "cli-s"]);
    assert.equal(ok(["secret", "purge", ...v, vault, "-n", "cli-s"]), null);
    fails(["secret", "show-deleted", ...v, vault, "-n", "cli-s"], /^ERROR: \(SecretNotFound\)/);
  });

  it("backs up, restores, downloads and reads values from files with an encoding", () => {
    const binary = randomBytes(64);
    writeFileSync(join(work, "blob.bin"), binary);
    ok(["secret", "set", ...v, vault, "-n", "cli-file", "--file", "blob.bin", "--encoding", "base64"]);
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "cli-file"]).value, binary.toString("base64"));
    ok(["secret", "download", ...v, vault, "-n", "cli-file", "--file", "back.bin", "--encoding", "base64"]);
    assert.deepEqual(readFileSync(join(work, "back.bin")), binary);
    fails(
      ["secret", "download", ...v, vault, "-n", "cli-file", "--file", "back.bin"],
      /^ERROR: \(FileExists\) .*back\.bin exists .*--overwrite/,
    );
    writeFileSync(join(work, "back.bin"), "stale");
    ok(["secret", "download", ...v, vault, "-n", "cli-file", "--file", "back.bin", "--encoding", "base64", "--overwrite"]);
    assert.deepEqual(readFileSync(join(work, "back.bin")), binary);

    ok(["secret", "backup", ...v, vault, "-n", "cli-file", "--file", "cli-file.backup"]);
    const backup = readFileSync(join(work, "cli-file.backup"));
    fails(["secret", "backup", ...v, vault, "-n", "cli-file", "--file", "cli-file.backup"], /^ERROR: \(FileExists\)/);
    assert.deepEqual(readFileSync(join(work, "cli-file.backup")), backup, "an existing backup is left as it was");
    ok(["secret", "backup", ...v, vault, "-n", "cli-file", "--file", "cli-file.backup", "--overwrite"]);
    ok(["secret", "delete", ...v, vault, "-n", "cli-file"]);
    ok(["secret", "purge", ...v, vault, "-n", "cli-file"]);
    assert.equal(ok(["secret", "restore", ...v, vault, "--file", "cli-file.backup"]).id.split("/")[4], "cli-file");
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "cli-file"]).value, binary.toString("base64"));
  });

  it("prints table, tsv and yaml, and applies a JMESPath --query", () => {
    ok(["secret", "set", ...v, vault, "-n", "cli-out", "--value", "shown"]);
    const table = keyhold(["secret", "show", ...v, vault, "-n", "cli-out", "-o", "table"]).stdout.split("\n");
    assert.match(table[0]!, /^Name\s+Version\s+ContentType\s+Enabled\s+Expires\s+Value$/);
    assert.match(table[1]!, /^-+\s+-+/);
    assert.match(table[2]!, /^cli-out\s+[0-9a-f]{32}\s+true\s+shown$/);
    assert.equal(keyhold(["secret", "show", ...v, vault, "-n", "cli-out", "--query", "value", "-o", "tsv"]).stdout, "shown\n");
    assert.equal(parseYaml(keyhold(["secret", "show", ...v, vault, "-n", "cli-out", "-o", "yaml"]).stdout).value, "shown");
    const names = ok(["secret", "list", ...v, vault, "--query", "[?ends_with(id, 'cli-out')].id"]);
    assert.equal(names.length, 1);
    fails(["secret", "list", ...v, vault, "--query", "[?"], /^ERROR: \(InvalidQuery\)/);
  });

  it("refuses bad input with one line, a code and a hint, and a non-zero exit", () => {
    fails(["secret", "show", ...v, vault, "-n", "no-such-secret"], /^ERROR: \(SecretNotFound\) .* Hint: /);
    fails(["secret", "set", ...v, vault, "-n", "bad_name", "--value", "x"], /^ERROR: \(BadParameter\)/);
    fails(["secret", "set", ...v, "no-such-vault", "-n", "x", "--value", "x"], /^ERROR: \(VaultNotFound\)/);
    fails(["secret", "set", ...v, vault, "-n", "x"], /exactly one of --value, --value-env and --file/);
    fails(["secret", "set", ...v, vault, "-n", "x", "--value", "x", "--value-env", "X"], /exactly one of --value, --value-env and --file/);
    fails(["secret", "set", ...v, vault, "-n", "x", "--value", "x", "--expires", "tomorrow"], /ISO 8601/);
    const missing = keyhold(["secret", "show", "-n", "x"]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /--vault-name/);
  });

  it("reads a secret value from stdin exactly, from --file - as bytes, or from an environment variable", () => {
    const show = (name: string) => ok(["secret", "show", ...v, vault, "-n", name]).value;
    const piped = (name: string, input: string | Buffer, ...more: string[]) =>
      runKeyhold(server.env, ["secret", "set", ...v, vault, "-n", name, ...more], work, input);

    // `printf 'a\nb' | keyhold secret set … --value -`: the bytes as they were, newline inside included.
    assert.equal(piped("stdin-lines", "a\nb", "--value", "-").status, 0);
    assert.equal(show("stdin-lines"), "a\nb");
    // Nothing is trimmed: a value that ends in a newline (what `echo` pipes) keeps it, as a file would.
    assert.equal(piped("stdin-newline", "-----BEGIN X-----\n", "--value", "-").status, 0);
    assert.equal(show("stdin-newline"), "-----BEGIN X-----\n");
    assert.equal(piped("stdin-bom", "\ufeffbom  ", "--value", "-").status, 0);
    assert.equal(show("stdin-bom"), "\ufeffbom  ");

    const binary = Buffer.concat([randomBytes(48), Buffer.from([0xff, 0xfe, 0x00, 0x0a])]);
    assert.equal(piped("stdin-binary", binary, "--file", "-", "--encoding", "base64").status, 0);
    assert.equal(show("stdin-binary"), binary.toString("base64"));
    assert.equal(piped("stdin-hex", binary, "--file", "-", "--encoding", "hex").status, 0);
    assert.equal(show("stdin-hex"), binary.toString("hex"));

    // Bytes that are not UTF-8 would change on the way; empty stdin is a failed pipe, not a value.
    const notText = piped("stdin-bad", binary, "--value", "-");
    assert.equal(notText.status, 1);
    assert.match(
      notText.stderr,
      /^ERROR: \(BadParameter\) --value -: standard input is not UTF-8 text; for bytes, use --file - --encoding base64/,
    );
    assert.match(piped("stdin-bad", "", "--value", "-").stderr, /^ERROR: \(BadParameter\) --value -: standard input was empty/);
    assert.match(piped("stdin-bad", "", "--file", "-").stderr, /^ERROR: \(BadParameter\) --file -: standard input was empty/);
    fails(["secret", "show", ...v, vault, "-n", "stdin-bad"], /SecretNotFound/);

    const fromEnv = runKeyhold(
      { ...server.env, APP_TOKEN: "from the env\n" },
      ["secret", "set", ...v, vault, "-n", "env-value", "--value-env", "APP_TOKEN"],
      work,
    );
    assert.equal(fromEnv.status, 0, fromEnv.stderr);
    assert.equal(show("env-value"), "from the env\n");
    fails(
      ["secret", "set", ...v, vault, "-n", "env-value", "--value-env", "NO_SUCH_VARIABLE"],
      /^ERROR: \(BadParameter\) --value-env NO_SUCH_VARIABLE: the environment variable NO_SUCH_VARIABLE is not set/,
    );

    // The old way still works.
    assert.equal(piped("argv-value", "", "--value", "on the command line").status, 0);
    assert.equal(show("argv-value"), "on the command line");
  });

  it("never shows a value read from stdin or the environment in the command line other users see", async () => {
    const secret = `s3cr3t-${randomBytes(8).toString("hex")}`;
    const args = ["secret", "set", ...v, vault, "-n", "unseen", "--value", "-", "--query", "id", "-o", "tsv"];
    const run = await runKeyholdWatched(server.env, args, secret, work);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!args.some((a) => a.includes(secret)));
    if (run.visibleArgs) {
      assert.ok(run.visibleArgs.includes("--value"), `read the right process: ${run.visibleArgs.join(" ")}`);
      assert.ok(!run.visibleArgs.some((a) => a.includes(secret)), `ps shows: ${run.visibleArgs.join(" ")}`);
    }
    assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "nor printed");
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "unseen"]).value, secret);

    const fileRun = await runKeyholdWatched(
      server.env,
      ["secret", "set", ...v, vault, "-n", "unseen-bytes", "--file", "-", "--encoding", "base64", "--query", "id"],
      Buffer.from(secret),
      work,
    );
    assert.equal(fileRun.status, 0, fileRun.stderr);
    assert.ok(!(fileRun.visibleArgs ?? []).some((a) => a.includes(secret)));
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "unseen-bytes"]).value, Buffer.from(secret).toString("base64"));
  });

  const python = spawnSync("python3", ["-c", "import pty, json"]).status === 0;
  it(
    "asks for a --value - typed at a terminal without echoing it, and keeps it without the Enter",
    { skip: python ? false : "needs python3 (for a pseudo-terminal)" },
    () => {
      // A pseudo-terminal as stdin: wait for the prompt, type the value and Enter, read everything the terminal showed.
      const script = [
        "import json, os, pty, sys",
        "argv, typed = json.loads(sys.argv[1]), sys.argv[2]",
        "pid, fd = pty.fork()",
        "if pid == 0:",
        "    os.execv(argv[0], argv)",
        "seen, sent = b'', False",
        "while True:",
        "    try:",
        "        chunk = os.read(fd, 4096)",
        "    except OSError:",
        "        break",
        "    if not chunk:",
        "        break",
        "    seen += chunk",
        "    if not sent and b'not echoed' in seen:",
        "        os.write(fd, typed.encode() + b'\\r')",
        "        sent = True",
        "status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])",
        "print(json.dumps({'status': status, 'seen': seen.decode('utf8', 'replace')}))",
      ].join("\n");
      const typed = `typed-${randomBytes(6).toString("hex")}`;
      const argv = [process.execPath, CLI, "secret", "set", ...v, vault, "-n", "typed-value", "--value", "-", "--query", "id", "-o", "tsv"];
      const r = spawnSync("python3", ["-c", script, JSON.stringify(argv), typed], {
        env: { ...process.env, ...server.env, HTTPS_PROXY: "", https_proxy: "" },
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const { status, seen } = JSON.parse(r.stdout) as { status: number; seen: string };
      assert.equal(status, 0, seen);
      assert.match(seen, /Secret value \(not echoed\): /);
      assert.ok(!seen.includes(typed), `the terminal showed: ${seen}`);
      assert.equal(ok(["secret", "show", ...v, vault, "-n", "typed-value"]).value, typed);
    },
  );

  it("creates, uses and manages keys; signatures and ciphertexts check out with node:crypto", () => {
    const ec = ok(["key", "create", ...v, vault, "-n", "cli-ec", "--kty", "EC", "--curve", "P-256"]);
    assert.equal(ec.key.crv, "P-256");
    const digest = createHash("sha256").update("signed by the CLI").digest();
    const signature = Buffer.from(
      ok(["key", "sign", ...v, vault, "-n", "cli-ec", "-a", "ES256", "--digest", digest.toString("base64")]).value,
      "base64url",
    );
    const publicKey = {
      key: { kty: "EC", crv: "P-256", x: ec.key.x, y: ec.key.y },
      format: "jwk" as const,
      dsaEncoding: "ieee-p1363" as const,
    };
    assert.ok(createVerify("sha256").update("signed by the CLI").verify(publicKey, signature));
    assert.equal(
      ok([
        "key",
        "verify",
        ...v,
        vault,
        "-n",
        "cli-ec",
        "-a",
        "ES256",
        "--digest",
        digest.toString("base64"),
        "--signature",
        signature.toString("base64"),
      ]).value,
      true,
    );

    ok(["key", "create", ...v, vault, "-n", "cli-aes", "--kty", "oct", "--size", "256"]);
    const sealed = ok(["key", "encrypt", ...v, vault, "-n", "cli-aes", "-a", "A256GCM", "--value", "hello", "--data-type", "plaintext"]);
    const opened = ok([
      "key",
      "decrypt",
      ...v,
      vault,
      "-n",
      "cli-aes",
      "-a",
      "A256GCM",
      "--value",
      sealed.value,
      "--iv",
      sealed.iv,
      "--tag",
      sealed.tag,
    ]);
    assert.equal(Buffer.from(opened.value, "base64url").toString(), "hello");
    const cek = randomBytes(32);
    const wrapped = ok(["key", "wrap", ...v, vault, "-n", "cli-aes", "-a", "A256KW", "--value", cek.toString("base64")]);
    assert.deepEqual(
      Buffer.from(ok(["key", "unwrap", ...v, vault, "-n", "cli-aes", "-a", "A256KW", "--value", wrapped.value]).value, "base64url"),
      cek,
    );

    // Plaintext and key material from stdin: bytes as they are with --data-type plaintext, base64 text otherwise.
    const plainBytes = Buffer.concat([Buffer.from("binary plaintext "), randomBytes(16), Buffer.from([0xff, 0x0a])]);
    const pipedSeal = keyhold(
      ["key", "encrypt", ...v, vault, "-n", "cli-aes", "-a", "A256GCM", "--value", "-", "--data-type", "plaintext"],
      plainBytes,
    );
    assert.equal(pipedSeal.status, 0, pipedSeal.stderr);
    const sealedPiped = JSON.parse(pipedSeal.stdout);
    const openedPiped = ok([
      "key",
      "decrypt",
      ...v,
      vault,
      "-n",
      "cli-aes",
      "-a",
      "A256GCM",
      "--value",
      sealedPiped.value,
      "--iv",
      sealedPiped.iv,
      "--tag",
      sealedPiped.tag,
    ]);
    assert.deepEqual(Buffer.from(openedPiped.value, "base64url"), plainBytes);
    const pipedB64 = JSON.parse(
      keyhold(["key", "encrypt", ...v, vault, "-n", "cli-aes", "-a", "A256GCM", "--value", "-"], `${plainBytes.toString("base64")}\n`)
        .stdout,
    );
    assert.deepEqual(
      Buffer.from(
        ok([
          "key",
          "decrypt",
          ...v,
          vault,
          "-n",
          "cli-aes",
          "-a",
          "A256GCM",
          "--value",
          pipedB64.value,
          "--iv",
          pipedB64.iv,
          "--tag",
          pipedB64.tag,
        ]).value,
        "base64url",
      ),
      plainBytes,
    );
    const cek2 = randomBytes(32);
    const wrappedPiped = keyhold(
      ["key", "wrap", ...v, vault, "-n", "cli-aes", "-a", "A256KW", "--value", "-"],
      `${cek2.toString("base64")}\n`,
    );
    assert.equal(wrappedPiped.status, 0, wrappedPiped.stderr);
    assert.deepEqual(
      Buffer.from(
        ok(["key", "unwrap", ...v, vault, "-n", "cli-aes", "-a", "A256KW", "--value", JSON.parse(wrappedPiped.stdout).value]).value,
        "base64url",
      ),
      cek2,
    );
    fails(
      ["key", "wrap", ...v, vault, "-n", "cli-aes", "-a", "A256KW", "--value", "-"],
      /^ERROR: \(BadParameter\) --value -: standard input was empty/,
    );

    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" });
    writeFileSync(join(work, "import.pem"), pem);
    const imported = ok(["key", "import", ...v, vault, "-n", "cli-imported", "--pem-file", "import.pem", "--ops", "sign", "verify"]);
    assert.equal(imported.key.kty, "RSA");
    assert.deepEqual(imported.key.key_ops, ["sign", "verify"]);
    assert.equal(imported.key.d, undefined, "no private part in the answer");

    assert.equal(ok(["key", "rotate", ...v, vault, "-n", "cli-ec"]).key.crv, "P-256");
    assert.equal(ok(["key", "list-versions", ...v, vault, "-n", "cli-ec"]).length, 2);
    assert.ok(ok(["key", "list", ...v, vault]).length >= 3);
    assert.equal(ok(["key", "show", ...v, vault, "-n", "cli-ec"]).key.kty, "EC");
    assert.deepEqual(ok(["key", "update", ...v, vault, "-n", "cli-ec", "--ops", "verify"]).key.key_ops, ["verify"]);
    fails(["key", "sign", ...v, vault, "-n", "cli-ec", "-a", "ES256", "--digest", digest.toString("base64")], /^ERROR: \(Forbidden\)/);
    const policy = ok([
      "key",
      "rotation-policy",
      "update",
      ...v,
      vault,
      "-n",
      "cli-ec",
      "--value",
      JSON.stringify({
        lifetimeActions: [{ trigger: { timeAfterCreate: "P30D" }, action: { type: "Rotate" } }],
        attributes: { expiryTime: "P90D" },
      }),
    ]);
    assert.equal(policy.attributes.expiryTime, "P90D");
    assert.equal(ok(["key", "rotation-policy", "show", ...v, vault, "-n", "cli-ec"]).attributes.expiryTime, "P90D");
    assert.equal(Buffer.from(ok(["key", "random", ...v, vault, "--count", "24"]).value, "base64url").length, 24);

    ok(["key", "backup", ...v, vault, "-n", "cli-aes", "--file", "cli-aes.backup"]);
    ok(["key", "delete", ...v, vault, "-n", "cli-aes"]);
    assert.ok(ok(["key", "list-deleted", ...v, vault]).some((k: any) => k.kid.endsWith("/keys/cli-aes")));
    assert.ok(ok(["key", "show-deleted", ...v, vault, "-n", "cli-aes"]).recoveryId);
    ok(["key", "recover", ...v, vault, "-n", "cli-aes"]);
    ok(["key", "delete", ...v, vault, "-n", "cli-aes"]);
    ok(["key", "purge", ...v, vault, "-n", "cli-aes"]);
    assert.equal(ok(["key", "restore", ...v, vault, "--file", "cli-aes.backup"]).key.kty, "oct");
  });

  it("prints the bytes of key operations as padded standard base64 that `base64 -d` reads; decrypt --data-type prints text", () => {
    /** `base64 -d` of a printed value: it must accept it, padding and alphabet. */
    const decoded = (printed: string): Buffer => {
      assert.match(printed, /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, `standard padded base64: ${printed}`);
      const r = spawnSync("base64", ["-d"], { input: printed });
      assert.equal(r.status, 0, `base64 -d refused ${printed}: ${r.stderr.toString()}`);
      return r.stdout;
    };
    ok(["key", "create", ...v, vault, "-n", "b64-aes", "--kty", "oct", "--size", "256"]);
    const text = "ünïcode plaintext ??>> ~~~";
    const sealed = ok(["key", "encrypt", ...v, vault, "-n", "b64-aes", "-a", "A256GCM", "--value", text, "--data-type", "plaintext"]);
    for (const field of ["value", "iv", "tag"]) decoded(sealed[field]);
    const opening = [
      "key",
      "decrypt",
      ...v,
      vault,
      "-n",
      "b64-aes",
      "-a",
      "A256GCM",
      "--value",
      sealed.value,
      "--iv",
      sealed.iv,
      "--tag",
      sealed.tag,
    ];
    assert.equal(decoded(ok(opening).value).toString(), text);
    assert.equal(ok([...opening, "--data-type", "base64"]).value, Buffer.from(text).toString("base64"));
    const asText = keyhold([...opening, "--data-type", "plaintext", "--query", "value", "-o", "tsv"]);
    assert.equal(asText.stdout, `${text}\n`, asText.stderr);

    const binary = Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x80]);
    const sealedBinary = ok(["key", "encrypt", ...v, vault, "-n", "b64-aes", "-a", "A256GCM", "--value", binary.toString("base64")]);
    const openBinary = [
      "key",
      "decrypt",
      ...v,
      vault,
      "-n",
      "b64-aes",
      "-a",
      "A256GCM",
      "--value",
      sealedBinary.value,
      "--iv",
      sealedBinary.iv,
      "--tag",
      sealedBinary.tag,
    ];
    assert.deepEqual(decoded(ok(openBinary).value), binary);
    fails(
      [...openBinary, "--data-type", "plaintext"],
      /^ERROR: \(BadParameter\) the plaintext is not UTF-8 text: print it as base64 \(--data-type base64\)/,
    );
    fails([...openBinary, "--data-type", "hex"], /^ERROR: \(BadArgument\) .*--data-type/);

    const cek = randomBytes(32);
    const wrapped = ok(["key", "wrap", ...v, vault, "-n", "b64-aes", "-a", "A256KW", "--value", cek.toString("base64")]).value;
    decoded(wrapped);
    assert.deepEqual(decoded(ok(["key", "unwrap", ...v, vault, "-n", "b64-aes", "-a", "A256KW", "--value", wrapped]).value), cek);

    ok(["key", "create", ...v, vault, "-n", "b64-ec", "--kty", "EC", "--curve", "P-256"]);
    const digest = createHash("sha256").update("signed").digest("base64");
    const signature = ok(["key", "sign", ...v, vault, "-n", "b64-ec", "-a", "ES256", "--digest", digest]).value;
    assert.equal(decoded(signature).length, 64);
    assert.equal(
      ok(["key", "verify", ...v, vault, "-n", "b64-ec", "-a", "ES256", "--digest", digest, "--signature", signature]).value,
      true,
    );
    // 31 bytes: unpadded base64url would be 42 characters, which `base64 -d` refuses.
    assert.equal(decoded(ok(["key", "random", ...v, vault, "--count", "31"]).value).length, 31);
  });

  it("takes object ids (--id) as az does, for secrets and keys, their versions and deleted ones; refuses a mismatched one", () => {
    const first = ok(["secret", "set", ...v, vault, "-n", "by-id", "--value", "first"]);
    ok(["secret", "set", ...v, vault, "-n", "by-id", "--value", "second"]);
    const unversioned = first.id.replace(/\/[^/]+$/, "");
    assert.equal(ok(["secret", "show", "--id", first.id]).value, "first", "the id's version");
    assert.equal(ok(["secret", "show", "--id", unversioned]).value, "second", "no version: the latest");
    // The Keyhold vault domain with a port, and a trailing slash, name the same secret.
    const keyholdDomain = `https://${vault}.vault.localhost:8443/secrets/by-id/`;
    assert.equal(ok(["secret", "show", "--id", keyholdDomain]).value, "second");
    assert.equal(ok(["secret", "update", "--id", first.id, "--content-type", "text/plain"]).contentType, "text/plain");
    assert.equal(
      ok(["secret", "list-versions", "--id", first.id]).length,
      2,
      "a version in the id of a command without --version is ignored",
    );

    fails(
      ["secret", "show", "--id", first.id.replace("/secrets/", "/keys/")],
      /^ERROR: \(BadArgument\) option '--id <id>' argument .* is invalid\. It names a key, but this command takes a secret's id/,
    );
    fails(
      ["secret", "show", "--id", first.id, ...v, vault],
      /^ERROR: \(BadArgument\) option '--id <id>' cannot be used with option '--vault-name <vault>'/,
    );
    fails(["secret", "show", "--id", unversioned, "--version", "abc"], /cannot be used with option '--version <version>'/);
    fails(["secret", "show", "--id", "https://localhost:8443/secrets/by-id"], /Its host, localhost, names no vault/);
    fails(["secret", "show", "--id", "https://127.0.0.1/secrets/by-id"], /Its host, 127\.0\.0\.1, names no vault/);
    fails(
      ["secret", "show", "--id", "by-id"],
      /An object id is a URL such as https:\/\/VAULT\.vault\.azure\.net\/secrets\/NAME\[\/VERSION\]/,
    );
    fails(["secret", "show", "--id", `${first.id}/more`], /It is not of the form/);
    fails(
      ["secret", "show"],
      /^ERROR: \(BadArgument\) required options '--vault-name <vault>' and '--name <name>' \(or '--id <id>'\) not specified/,
    );

    const { recoveryId } = ok(["secret", "delete", "--id", first.id]);
    assert.equal(recoveryId, `https://${vault}.vault.azure.net/deletedsecrets/by-id`);
    fails(
      ["secret", "purge", "--id", unversioned],
      /It names a secret, but this command takes a deleted secret's recoveryId: https:\/\/VAULT\.vault\.azure\.net\/deletedsecrets\/NAME/,
    );
    assert.ok(ok(["secret", "show-deleted", "--id", recoveryId]).scheduledPurgeDate);
    ok(["secret", "recover", "--id", recoveryId]);
    assert.equal(ok(["secret", "show", "--id", unversioned]).value, "second");

    const key = ok(["key", "create", ...v, vault, "-n", "by-id-key", "--kty", "oct", "--size", "256"]).key.kid;
    const sealed = ok(["key", "encrypt", "--id", key, "-a", "A256GCM", "--value", "by id", "--data-type", "plaintext"]);
    const opened = ok([
      "key",
      "decrypt",
      "--id",
      key,
      "-a",
      "A256GCM",
      "--value",
      sealed.value,
      "--iv",
      sealed.iv,
      "--tag",
      sealed.tag,
      "--data-type",
      "plaintext",
    ]);
    assert.equal(opened.value, "by id");
    assert.equal(ok(["key", "show", "--id", key]).key.kid, key);
    fails(
      ["key", "show", "--id", unversioned],
      /It names a secret, but this command takes a key's id: https:\/\/VAULT\.vault\.azure\.net\/keys\/NAME\[\/VERSION\]/,
    );
    ok(["key", "delete", "--id", key]);
    ok(["key", "purge", "--id", `https://${vault}.vault.azure.net/deletedkeys/by-id-key`]);
    fails(["key", "show", ...v, vault, "-n", "by-id-key"], /^ERROR: \(KeyNotFound\)/);
  });

  it("runs a program with secrets in its environment and leaves no file behind", () => {
    ok(["secret", "set", ...v, vault, "-n", "run-db-password", "--value", "p4ss word"]);
    ok(["secret", "set", ...v, vault, "-n", "run-api-key", "--value", "k3y"]);
    const before = [readdirSync(work).sort(), readdirSync(server.dir).sort()];
    const script =
      "process.stdout.write(JSON.stringify({ a: process.env.RUN_DB_PASSWORD, b: process.env.CUSTOM, c: process.env.RUN_API_KEY ?? null })); process.exit(7)";
    const run = keyhold(["run", ...v, vault, "--secret", "run-db-password", "run-api-key=CUSTOM", "--", process.execPath, "-e", script]);
    assert.equal(run.status, 7, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { a: "p4ss word", b: "k3y", c: null });
    const all = keyhold(["run", ...v, vault, "--all", "--", process.execPath, "-e", "process.stdout.write(process.env.RUN_API_KEY)"]);
    assert.equal(all.stdout, "k3y");
    assert.deepEqual([readdirSync(work).sort(), readdirSync(server.dir).sort()], before, "no file written anywhere");
    fails(["run", ...v, vault, "--", "true"], /^ERROR: \(BadParameter\) name the secrets/);
    fails(["run", ...v, vault, "--secret", "absent-secret", "--", "true"], /^ERROR: \(SecretNotFound\)/);
  });

  it("exports and imports secrets: .env and JSON, a dry run changes nothing, a bad file changes nothing", () => {
    writeFileSync(join(work, "in.env"), "APP_DB_URL='postgres://x'\nAPP_CERT=`line one\nline two`\n");
    const planned = ok(["secret", "import", ...v, vault, "--file", "in.env", "--dry-run"]);
    assert.deepEqual(
      planned.map((p: any) => p.name),
      ["app-db-url", "app-cert"],
    );
    fails(["secret", "show", ...v, vault, "-n", "app-db-url"], /SecretNotFound/);
    assert.equal(ok(["secret", "import", ...v, vault, "--file", "in.env"]).length, 2);
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "app-cert"]).value, "line one\nline two");

    writeFileSync(join(work, "bad.json"), JSON.stringify({ "import-ok": "1", "import bad": "2" }));
    fails(["secret", "import", ...v, vault, "--file", "bad.json"], /^ERROR: \(BadParameter\)/);
    fails(["secret", "show", ...v, vault, "-n", "import-ok"], /SecretNotFound/);

    const exported = keyhold(["secret", "export", ...v, vault]);
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /^APP_DB_URL='postgres:\/\/x'$/m);
    ok(["secret", "export", ...v, vault, "--format", "json", "--file", "all.json"]);
    const json = JSON.parse(readFileSync(join(work, "all.json"), "utf8"));
    assert.equal(json["app-cert"], "line one\nline two");
    assert.ok(existsSync(join(work, "all.json")));
    fails(["secret", "export", ...v, vault, "--format", "json", "--file", "all.json"], /EEXIST|exists/);
  });

  it("imports a file of 1,000 secrets; refuses one of 1,001 (also in a dry run), telling to split it, and sets none", () => {
    const lines = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}_${i}='value ${i}'`).join("\n");
    writeFileSync(join(work, "thousand.env"), lines(1000, "BULK_OK"));
    const imported = ok(["secret", "import", ...v, vault, "--file", "thousand.env"]);
    assert.equal(imported.length, 1000);
    assert.equal(ok(["secret", "show", ...v, vault, "-n", "bulk-ok-999"]).value, "value 999");

    writeFileSync(join(work, "too-many.env"), lines(1001, "BULK_OVER"));
    const refused =
      /^ERROR: \(BadParameter\) too-many\.env holds 1001 secrets, more than the 1000 one import may hold \(one transaction, all or none\): split it into files of at most 1000 secrets/;
    fails(["secret", "import", ...v, vault, "--file", "too-many.env"], refused);
    fails(["secret", "import", ...v, vault, "--file", "too-many.env", "--dry-run"], refused);
    fails(["secret", "show", ...v, vault, "-n", "bulk-over-0"], /SecretNotFound/);
    assert.match(keyhold(["secret", "import", "--help"]).stdout, /at most 1000 secrets/);
  });
});
