import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:tls";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, testRoot } from "../support/dev-server.js";
import { serveDirectory } from "../support/serve-directory.js";

interface Setup {
  dir: string;
  write(config: object): string;
}

async function setup(): Promise<Setup> {
  const dir = await serveDirectory("serve-");
  return {
    dir,
    write(config: object) {
      const file = join(dir, `config-${randomBytes(4).toString("hex")}.json`);
      writeFileSync(file, JSON.stringify(config));
      return file;
    },
  };
}

const base = (port: number) => ({
  listen: { host: "127.0.0.1", port },
  authorityUrl: `https://localhost:${port}`,
  tls: { certFile: "tls.pem", keyFile: "tls-key.pem" },
  masterKey: { file: "master.key" },
  vaultDomains: ["vault.example.test"],
  defaultVault: "prod-vault",
  logLevel: "silent",
});

const serve = (config: string, env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, "serve", "--config", config], {
    env: { PATH: process.env.PATH!, ...env },
    encoding: "utf8",
    timeout: 10_000,
  });

function get(url: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

function freePort(): number {
  const probe = spawnSync(
    process.execPath,
    ["-e", "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})"],
    { encoding: "utf8" },
  );
  return Number(probe.stdout.trim());
}

/** Starts `keyhold serve` and resolves once it says it is ready. */
async function startServe(config: string, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, "serve", "--config", config], {
    env: { PATH: process.env.PATH!, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("ready")) resolve();
    });
    child.once("exit", () => reject(new Error(`serve exited: ${out}`)));
  });
  return child;
}

/** Whether a TLS handshake with the server completes (the socket is kept open when it does). */
function handshake(port: number): Promise<{ ok: boolean; socket: ReturnType<typeof connect> }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost" }, () => resolve({ ok: true, socket }));
    socket.once("error", () => resolve({ ok: false, socket }));
    socket.once("close", () => resolve({ ok: false, socket }));
  });
}

/** Production mode refuses unsafe or incomplete configuration and generates no credentials. */
describe("keyhold serve (production mode)", () => {
  it("refuses to start without a master key, with a world-readable key file, or without TLS", async () => {
    const s = await setup();
    const { masterKey: _m, ...noKey } = base(0);
    const cases: [object, RegExp, NodeJS.ProcessEnv?][] = [
      [noKey, /masterKey/],
      [{ ...base(0), masterKey: { env: "KH_TEST_MK" } }, /KH_TEST_MK/],
      [{ ...base(0), masterKey: { env: "KH_TEST_MK" } }, /32 random bytes/, { KH_TEST_MK: "c2hvcnQ=" }],
      [{ ...base(0), tls: undefined }, /tls: missing, expected object with certFile, keyFile/],
      [{ ...base(0), authorityUrl: "http://localhost:1" }, /authorityUrl/],
      [{ ...base(0), vaultDomains: [] }, /vaultDomains/],
    ];
    for (const [config, message, env] of cases) {
      const result = serve(s.write(config), env);
      assert.equal(result.status, 1, result.stdout);
      assert.match(result.stderr, /^ERROR: \(ConfigInvalid\) \S+config-\w+\.json: /);
      assert.match(result.stderr, message);
    }
    chmodSync(join(s.dir, "master.key"), 0o644);
    const loose = serve(s.write(base(0)));
    assert.equal(loose.status, 1);
    assert.match(loose.stderr, /readable by group or others/);
  });

  it("refuses weak settings: a placeholder master key, key files in a folder others can write, a vault domain that is no domain", async () => {
    const s = await setup();
    const weak: [object, RegExp, NodeJS.ProcessEnv?][] = [
      [{ ...base(0), masterKey: { env: "KH_TEST_MK" } }, /one byte repeated/, { KH_TEST_MK: Buffer.alloc(32).toString("base64") }],
      [{ ...base(0), masterKey: { env: "KH_TEST_MK" } }, /one byte repeated/, { KH_TEST_MK: Buffer.alloc(32, 0x41).toString("base64") }],
      [{ ...base(0), vaultDomains: ["."] }, /vaultDomains/],
      [{ ...base(0), vaultDomains: ["com"] }, /vaultDomains/],
      [{ ...base(0), vaultDomains: ["-bad.example"] }, /vaultDomains/],
      [{ ...base(0), vaultDomains: ["vault..example"] }, /vaultDomains/],
      [{ ...base(0), maxConnections: 0 }, /maxConnections/],
      [{ ...base(0), storFile: "typo.db" }, /: storFile: unknown setting; did you mean storeFile\?/],
      [
        { ...base(0), tls: { certFile: "tls.pem", keyFile: "tls-key.pem", keyfile: "x" } },
        /: tls\.keyfile: unknown setting; did you mean tls\.keyFile\?/,
      ],
      [{ ...base(0), logLevel: "verbose" }, /: logLevel: "verbose" is not allowed, expected one of `silent`, `error`, `warn`, `info`/],
    ];
    for (const [config, message, env] of weak) {
      const result = serve(s.write(config), env);
      assert.equal(result.status, 1, `${JSON.stringify(config)}: ${result.stdout}`);
      assert.match(result.stderr, message);
    }
    const shared = mkdtempSync(join(testRoot(), "shared-"));
    chmodSync(shared, 0o777);
    writeFileSync(join(shared, "master.key"), randomBytes(32).toString("base64"), { mode: 0o600 });
    const planted = serve(s.write({ ...base(0), masterKey: { file: join(shared, "master.key") } }));
    assert.equal(planted.status, 1);
    assert.match(planted.stderr, /folder that group or others can write/);
  });

  it("refuses connections beyond maxConnections, and serves again when one closes", async () => {
    const s = await setup();
    const port = freePort();
    const child = await startServe(s.write({ ...base(port), maxConnections: 2 }));
    try {
      const first = await handshake(port);
      const second = await handshake(port);
      assert.ok(first.ok && second.ok);
      const third = await handshake(port);
      assert.equal(third.ok, false, "a third connection is refused while two are open");
      first.socket.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const again = await handshake(port);
      assert.ok(again.ok, "a place freed is taken");
      second.socket.destroy();
      again.socket.destroy();
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("starts with a complete config, generates no credentials, and serves a bootstrapped principal", async () => {
    const s = await setup();
    const port = freePort();
    const config = s.write({ ...base(port), masterKey: { env: "KH_MASTER" } });
    const env = { KH_MASTER: randomBytes(32).toString("base64") };
    const child = await startServe(config, env);
    try {
      assert.equal((await get(`https://localhost:${port}/healthz`)).status, 200);
      for (const file of ["keyhold.db", "keyhold.db-wal", "keyhold.db-shm"]) {
        assert.equal(statSync(join(s.dir, file)).mode & 0o777, 0o600, `${file} is for its owner only`);
      }
      assert.ok(!existsSync(join(s.dir, "dev.env")), "no dev env file in production");
      assert.ok(!existsSync(join(s.dir, "dev-identities.json")), "no generated credentials");

      const boot = spawnSync(process.execPath, [CLI, "bootstrap", "--config", config, "--name", "admin"], {
        env: { PATH: process.env.PATH!, ...env },
        encoding: "utf8",
      });
      assert.equal(boot.status, 0, boot.stderr);
      const admin = JSON.parse(boot.stdout) as { clientId: string; clientSecret: string; tenantId: string };
      const cliEnv = {
        PATH: process.env.PATH!,
        NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS!,
        KEYHOLD_URL: `https://localhost:${port}`,
        AZURE_AUTHORITY_HOST: `https://localhost:${port}`,
        AZURE_TENANT_ID: admin.tenantId,
        AZURE_CLIENT_ID: admin.clientId,
        AZURE_CLIENT_SECRET: admin.clientSecret,
      };
      const created = spawnSync(process.execPath, [CLI, "vault", "create", "--name", "prod-vault"], { env: cliEnv, encoding: "utf8" });
      assert.equal(created.status, 0, created.stderr);
      assert.equal(
        JSON.parse(created.stdout).properties.vaultUri,
        `https://prod-vault.vault.example.test:${port}`,
        "the port clients use is kept",
      );
      const unauthenticated = await get(`https://localhost:${port}/secrets?api-version=2025-07-01`);
      assert.equal(unauthenticated.status, 401);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
