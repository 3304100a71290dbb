import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadServeConfig } from "../../src/config/serve-config.js";
import { masterKeyId } from "../../src/crypto/envelope.js";

/** A folder (0700) with a self-signed certificate, its key, a second key and a master key file (all 0600, umask 077). */
function makeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-config-"));
  process.umask(0o077);
  const openssl = (...args: string[]) => {
    const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
  };
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "tls-key.pem",
    "-out",
    "tls.pem",
  );
  openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other-key.pem");
  writeFileSync(join(dir, "master.key"), randomBytes(32).toString("base64"), { mode: 0o600 });
  return dir;
}

const dir = makeFolder();
after(() => rmSync(dir, { recursive: true, force: true }));

const minimal = {
  authorityUrl: "https://keyhold.example.com:8443",
  tls: { certFile: "tls.pem", keyFile: "tls-key.pem" },
  masterKey: { file: "master.key" },
  vaultDomains: ["vault.example.com"],
};

let written = 0;
/** Loads settings written as the file `config-N.json` (or the text as it is), with the given environment. */
function load(settings: object | string, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, `config-${++written}.json`);
  writeFileSync(file, typeof settings === "string" ? settings : JSON.stringify(settings));
  return { file, config: () => loadServeConfig(file, env) };
}

/** The message a config refused for, checked to start with the file's name. */
function refusal(settings: object | string, env: NodeJS.ProcessEnv = {}): string {
  const { file, config } = load(settings, env);
  try {
    config();
  } catch (error) {
    assert.equal((error as Error).name, "ConfigError");
    const message = (error as Error).message;
    assert.ok(message.startsWith(`${file}: `), message);
    return message.slice(file.length + 2);
  }
  assert.fail(`${JSON.stringify(settings)} was accepted`);
}

describe("the production config file", () => {
  it("fills in every default, and resolves paths against the config file's folder", () => {
    const config = load(minimal).config();
    assert.equal(config.listenHost, "0.0.0.0");
    assert.equal(config.port, 8443);
    assert.equal(config.storeFile, join(dir, "keyhold.db"));
    assert.equal(config.databaseUrl, null);
    assert.equal(config.defaultVault, null);
    assert.equal(config.tokenLifetimeSeconds, 3600);
    assert.equal(config.workers, 1);
    assert.equal(config.backgroundIntervalMs, 5000);
    assert.equal(config.maxConnections, 10_000);
    assert.equal(config.logLevel, "info");
    assert.equal(config.vaultUriTemplate, "https://{name}.vault.example.com:8443");
  });

  it("names an unknown setting at any depth, with the setting it most likely means", () => {
    assert.equal(refusal({ ...minimal, storFile: "typo.db" }), "storFile: unknown setting; did you mean storeFile?");
    assert.equal(refusal({ ...minimal, listen: { prot: 1 } }), "listen.prot: unknown setting; did you mean listen.port?");
    assert.equal(refusal({ ...minimal, port: 8443 }), "port: unknown setting; did you mean listen.port?");
    assert.equal(refusal({ ...minimal, database: { envv: "DB" } }), "database.envv: unknown setting; did you mean database.env?");
    assert.equal(
      refusal({ ...minimal, tls: { ...minimal.tls, color: "red" } }),
      "tls.color: unknown setting (settings here: certFile, keyFile)",
    );
  });

  it("reports a setting missing for a misspelt key once, as the misspelt key", () => {
    const { vaultDomains, ...rest } = minimal;
    assert.equal(refusal({ ...rest, vaultDomain: vaultDomains }), "vaultDomain: unknown setting; did you mean vaultDomains?");
    assert.equal(
      refusal({ ...minimal, tls: { certfile: "tls.pem", keyFile: "tls-key.pem" } }),
      "tls.certfile: unknown setting; did you mean tls.certFile?",
    );
  });

  it("names each wrong value's setting and what it expects", () => {
    const cases: [object, string][] = [
      [{ listen: { port: "8443" } }, "listen.port: is a string, expected integer 0–65535"],
      [{ listen: { port: 70000 } }, "listen.port: is 70000, expected integer 0–65535"],
      [{ workers: 0 }, "workers: is 0, expected integer 1–64"],
      [{ tokenLifetimeSeconds: 1.5 }, "tokenLifetimeSeconds: is 1.5, expected integer 300–86400"],
      [{ maxConnections: 0 }, "maxConnections: is 0, expected integer 1–1000000"],
      [{ logLevel: "verbose" }, 'logLevel: "verbose" is not allowed, expected one of `silent`, `error`, `warn`, `info`'],
      [{ vaultDomains: [] }, "vaultDomains: is empty, expected array of DNS names (`vault.example.com`), at least one"],
      [{ vaultDomains: ["vault.example.com", "com"] }, "vaultDomains[1]: has the wrong form, expected DNS name of two labels or more"],
      [{ defaultVault: "a" }, "defaultVault: has the wrong form, expected vault name (3–24 of `0-9a-zA-Z-`) or null"],
      [{ database: 5 }, 'database: is 5, expected `postgres://…` URL, `{ "env": NAME }` or null'],
      [{ authorityUrl: "https://keyhold.example.com/path" }, "authorityUrl: has the wrong form, expected `https://HOST[:PORT]`"],
      [{ authorityUrl: "https://keyhold.example.com:99999" }, "authorityUrl: is not a valid URL (is the port 65535 or less?)"],
      [
        { masterKey: { file: "master.key", env: "KEYHOLD_MASTER_KEY" } },
        "masterKey: give exactly one of masterKey.file, masterKey.env and masterKey.command",
      ],
    ];
    for (const [change, message] of cases) assert.equal(refusal({ ...minimal, ...change }), message);
    const { tls: _tls, ...noTls } = minimal;
    assert.equal(refusal(noTls), "tls: missing, expected object with certFile, keyFile");
  });

  it("never repeats a string the file holds: a URL may carry a password", () => {
    assert.doesNotMatch(refusal({ ...minimal, database: "mysql://keyhold:hunter2@db/keyhold" }), /hunter2/);
    const broken = refusal('{\n  "database": "postgres://keyhold:hunter2@db/keyhold"\n  "workers": 2\n}');
    assert.equal(broken, "not valid JSON at line 3, column 3 (JSON has no comments and no trailing commas)");
  });

  it("checks what the settings point to: the TLS key must be the certificate's, the environment must hold what it names", () => {
    assert.match(
      refusal({ ...minimal, tls: { certFile: "tls-key.pem", keyFile: "tls-key.pem" } }),
      /^tls\.certFile: \S+tls-key\.pem is not a readable PEM certificate$/,
    );
    assert.match(
      refusal({ ...minimal, tls: { ...minimal.tls, keyFile: "other-key.pem" } }),
      /^tls\.keyFile: \S+ is not the private key of the certificate/,
    );
    assert.match(refusal({ ...minimal, masterKey: { env: "KH_UNSET" } }), /^masterKey\.env: the environment variable KH_UNSET is not set/);
    assert.match(
      refusal({ ...minimal, database: { env: "KH_DB" } }, { KH_DB: "mysql://db" }),
      /^database\.env: the environment variable KH_DB does not hold a postgres/,
    );
    assert.equal(
      load({ ...minimal, database: { env: "KH_DB" } }, { KH_DB: "postgres://db/keyhold" }).config().databaseUrl,
      "postgres://db/keyhold",
    );
  });
});

describe("master keys from a file, the environment or a command, and the previous ones", () => {
  const keyText = randomBytes(32).toString("base64");
  const script = (body: string): string => {
    const file = join(dir, `key-command-${++written}.sh`);
    writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o700 });
    return file;
  };

  it("reads the master key from a command's standard output, run once with the config file's folder as its own", () => {
    const command = script('cat master.key; echo "ran" >> ran.txt');
    const config = load({ ...minimal, masterKey: { command: [command] } }).config();
    assert.equal(config.masterKey.toString("base64"), spawnSync("cat", [join(dir, "master.key")], { encoding: "utf8" }).stdout);
    assert.equal(spawnSync("cat", [join(dir, "ran.txt")], { encoding: "utf8" }).stdout, "ran\n");
  });

  it("refuses a command that fails, is missing, prints nothing or no key, and never repeats what it printed", () => {
    const failing = script("exit 3");
    assert.equal(
      refusal({ ...minimal, masterKey: { command: [failing] } }),
      `masterKey.command: ${failing} exited with status 3 (its own message is above)`,
    );
    assert.match(refusal({ ...minimal, masterKey: { command: ["/nonexistent/kms-get"] } }), /^masterKey\.command: \S+ was not found/);
    assert.match(
      refusal({ ...minimal, masterKey: { command: [script("true")] } }),
      /wrote nothing: it must print the master key in base64$/,
    );
    const leaked = refusal({ ...minimal, masterKey: { command: [script("echo c2VjcmV0LXNob3J0")] } });
    assert.match(leaked, /^masterKey\.command: the master key must be 32 random bytes/);
    assert.doesNotMatch(leaked, /c2VjcmV0LXNob3J0/);
    assert.equal(
      refusal({ ...minimal, masterKey: { command: [] } }),
      "masterKey.command: is empty, expected array of strings (program, then its arguments; no shell)",
    );
  });

  it("takes previous master keys from any source, for opening only, and names a bad one by its index", () => {
    const config = load(
      { ...minimal, previousMasterKeys: [{ env: "OLD_KEY" }, { command: [script(`echo ${keyText}`)] }] },
      { OLD_KEY: randomBytes(32).toString("base64") },
    ).config();
    assert.equal(config.previousMasterKeys?.length, 2);
    assert.equal(masterKeyId(config.previousMasterKeys[1]!), masterKeyId(Buffer.from(keyText, "base64")));
    assert.deepEqual(load(minimal).config().previousMasterKeys, []);
    assert.match(
      refusal({ ...minimal, previousMasterKeys: [{ file: "master.key" }, { env: "KH_UNSET" }] }),
      /^previousMasterKeys\[1\]\.env: the environment variable KH_UNSET is not set/,
    );
    assert.equal(
      refusal({ ...minimal, previousMasterKeys: [{ file: "master.key", env: "X" }] }),
      "previousMasterKeys[0]: give exactly one of previousMasterKeys[].file, previousMasterKeys[].env and previousMasterKeys[].command",
    );
  });
});

describe("the PKCS#11 token of -HSM keys (hsm)", () => {
  // The loader checks the library's file and folder; it loads it only when the server opens the token.
  const MODULE = join(dir, "libtoken.so");
  writeFileSync(MODULE, "");
  const hsm = (pin: object, change: object = {}) => ({ ...minimal, hsm: { module: MODULE, tokenLabel: "keyhold", pin, ...change } });

  it("is absent unless configured, and reads the PIN from the environment, a file or a command", () => {
    assert.equal(load(minimal).config().hsm, null);
    assert.deepEqual(load(hsm({ env: "KEYHOLD_HSM_PIN" }), { KEYHOLD_HSM_PIN: "1234" }).config().hsm, {
      module: MODULE,
      tokenLabel: "keyhold",
      pin: "1234",
    });
    writeFileSync(join(dir, "hsm.pin"), "5678\n", { mode: 0o600 });
    assert.equal(load(hsm({ file: "hsm.pin" })).config().hsm?.pin, "5678");
    const command = join(dir, "pin-command.sh");
    writeFileSync(command, "#!/bin/sh\necho 9012\n", { mode: 0o700 });
    assert.equal(load(hsm({ command: [command] })).config().hsm?.pin, "9012");
  });

  it("resolves a relative module path against the config file's folder, and refuses one that is missing or others can change", () => {
    assert.match(
      refusal(hsm({ env: "PIN" }, { module: "libmissing.so" }), { PIN: "1234" }),
      new RegExp(`^hsm\\.module: ${join(dir, "libmissing.so")} does not exist: install the token's PKCS#11 library or give its path`),
    );
    const shared = join(dir, "shared");
    mkdirSync(shared);
    writeFileSync(join(shared, "libtoken.so"), "");
    chmodSync(shared, 0o777);
    assert.match(
      refusal(hsm({ env: "PIN" }, { module: "shared/libtoken.so" }), { PIN: "1234" }),
      /^hsm\.module: \S+shared is writable by group or others: a library Keyhold loads must be changeable by its owner only$/,
    );
  });

  it("names a wrong or missing setting, and never repeats the PIN", () => {
    assert.equal(
      refusal(hsm({ env: "PIN" }, { tokenLabel: "" }), { PIN: "1" }),
      "hsm.tokenLabel: is empty, expected token label (1–32 bytes)",
    );
    assert.equal(
      refusal(hsm({ env: "PIN" }, { tokenLabel: "x".repeat(33) }), { PIN: "1" }),
      "hsm.tokenLabel: is not a token label (1–32 bytes, not ending in a space)",
    );
    assert.equal(
      refusal(hsm({ env: "PIN", file: "hsm.pin" })),
      "hsm.pin: give exactly one of hsm.pin.file, hsm.pin.env and hsm.pin.command",
    );
    assert.equal(refusal(hsm({ env: "PIN" }, { modul: MODULE })), "hsm.modul: unknown setting; did you mean hsm.module?");
    const { module: _module, ...noModule } = hsm({ env: "PIN" }).hsm;
    assert.equal(refusal({ ...minimal, hsm: noModule }), "hsm.module: missing, expected file path");
    assert.match(
      refusal(hsm({ env: "KH_UNSET_PIN" })),
      /^hsm\.pin\.env: the environment variable KH_UNSET_PIN is not set \(it must hold the token user's PIN\)$/,
    );
    writeFileSync(join(dir, "blank.pin"), " \n", { mode: 0o600 });
    assert.equal(refusal(hsm({ file: "blank.pin" })), "hsm.pin.file: the PIN is empty");
    writeFileSync(join(dir, "open.pin"), "s3cret-pin");
    chmodSync(join(dir, "open.pin"), 0o644);
    const open = refusal(hsm({ file: "open.pin" }));
    assert.match(open, /^hsm\.pin\.file: \S+open\.pin is readable by group or others \(chmod 600 it\)$/);
    assert.doesNotMatch(open, /s3cret-pin/);
    const silent = join(dir, "silent-pin.sh");
    writeFileSync(silent, "#!/bin/sh\ntrue\n", { mode: 0o700 });
    assert.equal(refusal(hsm({ command: [silent] })), `hsm.pin.command: ${silent} wrote nothing: it must print the token user's PIN`);
  });
});
