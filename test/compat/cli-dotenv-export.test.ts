import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseDotenv } from "dotenv";
import { runKeyhold } from "../support/cli.js";
import { type DevServer, startDevServer, testRoot } from "../support/dev-server.js";

/** Values that broke naive .env quoting: each must come back exactly, and none may run `touch PWNED`. */
const HOSTILE: Record<string, string> = {
  "line-breaks": "line one\nline two\n\n",
  "leading-line-break": "\nPATH=/tmp/evil",
  "command-substitution": "$(touch PWNED)",
  backticks: "`touch PWNED`",
  "home-variable": "$HOME",
  "braced-variable": "${X} and $1",
  "single-quote": "it's",
  "single-quotes-and-line-break": "it's\n'quoted'\n",
  "double-quotes": 'say "hi"',
  backslashes: "a\\b\\\\c\\$d",
  "trail-1": "C:\\dir\\",
  "trail-2": "  # right after a backslash",
  "hash-comment": "#not a comment",
  "hash-inside": "value #tail",
  spaces: "  leading and trailing  ",
  "literal-backslash-n": "\\n\\r",
  unicode: "ünïcødé 🔑 ☃",
  "shell-operators": "a; touch PWNED & b | c > d",
  "glob-and-tilde": "~/* {a,b}",
  "bang-and-quote": "it's !! here",
};

/** Values that no quoting gives back exactly in all four readers, so their export must be refused. */
const UNWRITABLE: Record<string, { value: string; why: RegExp }> = {
  "carriage-return": { value: "line one\r\nline two", why: /carriage return/ },
  "quote-and-dollar": { value: "it's $(touch PWNED)", why: /single quote and also/ },
  "quote-and-line-break-and-backtick": { value: "it's\n`touch PWNED`", why: /single quote and also/ },
  "quote-and-backslash": { value: "it's C:\\", why: /single quote and also/ },
  "1password": { value: "x", why: /its variable name, 1PASSWORD, begins with a digit/ },
};

const envName = (secret: string) => secret.toUpperCase().replace(/-/g, "_");
const hasShell = (shell: string) => spawnSync(shell, ["-c", "true"]).status === 0;
/** CI installs zsh and sets this, so that the zsh case never skips there. */
const zshRequired = process.env.KEYHOLD_REQUIRE_ZSH === "1";

describe("keyhold secret export --format dotenv", () => {
  let server: DevServer;
  let work: string;
  before(async () => {
    server = await startDevServer();
    work = mkdtempSync(join(testRoot(), "dotenv-export-"));
    for (const vault of ["dotenv-hostile", "dotenv-refused"]) ok(["vault", "create", "--name", vault]);
    // Set through a JSON import: one call, and JSON carries every value exactly.
    writeFileSync(join(work, "hostile.json"), JSON.stringify({ ...HOSTILE, empty: "" }));
    ok(["secret", "import", "--vault-name", "dotenv-hostile", "--file", "hostile.json"]);
    ok(["secret", "export", "--vault-name", "dotenv-hostile", "--file", "hostile.env"]);
  });
  after(async () => {
    await server.stop();
  });

  const keyhold = (args: string[], input?: string) => runKeyhold(server.env, args, work, input);
  function ok(args: string[], input?: string): string {
    const r = keyhold(args, input);
    assert.equal(r.status, 0, `keyhold ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  }
  const expected = () => Object.fromEntries(Object.entries({ ...HOSTILE, empty: "" }).map(([name, value]) => [envName(name), value]));
  const exported = () => readFileSync(join(work, "hostile.env"), "utf8");

  /** Sources the exported file in `shell` and prints each variable, NUL-separated; asserts that nothing ran. */
  function sourcedIn(shell: string): Record<string, string> {
    const names = Object.keys(expected());
    rmSync(join(work, "PWNED"), { force: true });
    const script = `. ./hostile.env && printf '%s\\0' ${names.map((n) => `"$${n}"`).join(" ")}`;
    const r = spawnSync(shell, ["-c", script], {
      cwd: work,
      encoding: "utf8",
      env: { PATH: process.env.PATH!, HOME: "/nonexistent-home" },
    });
    assert.equal(r.status, 0, `${shell}: ${r.stderr}`);
    assert.equal(r.stderr, "");
    assert.equal(existsSync(join(work, "PWNED")), false, `sourcing the file in ${shell} ran a command`);
    const values = r.stdout.split("\0").slice(0, -1);
    return Object.fromEntries(names.map((n, i) => [n, values[i] ?? ""]));
  }

  it("writes the same text to stdout as to --file, and guards a value that ends in a backslash", () => {
    assert.equal(ok(["secret", "export", "--vault-name", "dotenv-hostile"]), exported());
    assert.match(exported(), /^TRAIL_1='C:\\dir\\' # .*'.*\nTRAIL_2=' {2}# right after a backslash'$/m);
  });

  it("is read back exactly by the dotenv package", () => {
    assert.deepEqual(parseDotenv(exported()), expected());
  });

  for (const shell of ["sh", "bash"]) {
    it(`is read back exactly by \`. .env\` in ${shell}, running nothing`, () => {
      assert.deepEqual(sourcedIn(shell), expected());
    });
  }

  it(
    "is read back exactly by `. .env` in zsh, running nothing",
    { skip: !zshRequired && !hasShell("zsh") && "zsh is not installed" },
    () => {
      assert.deepEqual(sourcedIn("zsh"), expected());
    },
  );

  it("is read back exactly by `secret import`", () => {
    const vault = server.env.KEY_VAULT_NAME!;
    ok(["secret", "import", "--vault-name", vault, "--file", "hostile.env"]);
    assert.deepEqual(JSON.parse(ok(["secret", "export", "--vault-name", vault, "--format", "json"])), { ...HOSTILE, empty: "" });
  });

  it("refuses, in one line naming the secret and never its value, a value no quoting keeps exact in all four; writes nothing", () => {
    writeFileSync(
      join(work, "unwritable.json"),
      JSON.stringify(Object.fromEntries(Object.entries(UNWRITABLE).map(([name, { value }]) => [name, value]))),
    );
    ok(["secret", "import", "--vault-name", "dotenv-refused", "--file", "unwritable.json"]);
    const asJson = JSON.parse(ok(["secret", "export", "--vault-name", "dotenv-refused", "--format", "json"]));
    assert.equal(Object.keys(asJson).length, Object.keys(UNWRITABLE).length, "JSON holds them all");
    // The first secret the export meets is refused; disabled, it is left out, and the next one is refused.
    for (const name of Object.keys(asJson)) {
      const { value, why } = UNWRITABLE[name]!;
      const r = keyhold(["secret", "export", "--vault-name", "dotenv-refused", "--file", `${name}.env`]);
      assert.equal(r.status, 1, name);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^ERROR: \\(BadParameter\\) secret '${name}' cannot be written safely as dotenv: `));
      assert.match(r.stderr, why);
      assert.match(r.stderr, / Hint: use --format json, or `keyhold run`/);
      assert.ok(!r.stderr.includes(value), "the value is not shown");
      assert.equal(existsSync(join(work, `${name}.env`)), false, "no file is written");
      ok(["secret", "update", "--vault-name", "dotenv-refused", "-n", name, "--enabled", "false"]);
    }
    assert.equal(ok(["secret", "export", "--vault-name", "dotenv-refused"]), "", "all disabled: nothing to export");
  });
});
