import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import ts from "typescript";
import { CLI, PROJECT_ROOT, type DevServer, startDevServer } from "../support/dev-server.js";
import { keyClientFor } from "../support/keys-sdk.js";
import { sdkProgramEnv } from "../support/sdk-under-test.js";

const PROGRAM = join(PROJECT_ROOT, "../shared/seeds/keys-get-started.ts");

/**
 * Microsoft's "Get started with Azure Key Vault keys in JavaScript" program, as published (TypeScript, ESM with
 * top-level await), compiled with TypeScript and run with only dev.env.
 */
describe("the keys article's program", () => {
  let server: DevServer;
  // Skipped as a test (so the run's count says so) when the program is not beside the project.
  const absent = existsSync(PROGRAM) ? false : `${PROGRAM} is absent`;
  before(async () => {
    if (!absent) server = await startDevServer();
  });
  after(async () => {
    await server?.stop();
  });

  it("runs unmodified, and its RSA-OAEP-256 ciphertext decrypts back to Hello world!", { skip: absent }, async () => {
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", ...server.env, AZURE_KEYVAULT_NAME: "keys-article" };
    const created = spawnSync(process.execPath, [CLI, "vault", "create", "--name", "keys-article"], { env, encoding: "utf8" });
    assert.equal(created.status, 0, created.stderr);
    const { client, crypto } = keyClientFor({ ...server, env: { ...server.env, KEY_VAULT_URL: "https://keys-article.vault.azure.net" } });
    await client.createRsaKey("MyKeyName");

    // Compiled beside node_modules so that its imports resolve; the type-only import is elided as tsc does.
    const source = readFileSync(PROGRAM, "utf8");
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const dir = join(PROJECT_ROOT, ".test-tmp", `keys-article-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const file = join(dir, `keys-get-started-${process.pid}.mjs`);
      writeFileSync(file, js);
      const capture = join(dir, `capture-${process.pid}.json`);
      const child = spawn(process.execPath, ["--import", join(PROJECT_ROOT, "test/support/capture-encrypt.mjs"), file], {
        env: { ...env, ...sdkProgramEnv(), KEYHOLD_CAPTURE_FILE: capture },
        cwd: PROJECT_ROOT,
      });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr.on("data", (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((done) => child.once("exit", done));
      assert.equal(code, 0, out);

      const captured = JSON.parse(readFileSync(capture, "utf8")) as { keyID: string; algorithm: string; result: string };
      assert.equal(captured.algorithm, "RSA-OAEP-256");
      assert.match(captured.keyID, /^https:\/\/keys-article\.vault\.azure\.net\/keys\/MyKeyName\/[0-9a-f]{32}$/);
      const plain = await crypto(captured.keyID).decrypt({ algorithm: "RSA-OAEP-256", ciphertext: Buffer.from(captured.result, "base64") });
      assert.equal(Buffer.from(plain.result).toString(), "Hello world!");
    } finally {
      // Nothing is left in the project: the folder goes, and .test-tmp with it when no other run uses it.
      rmSync(dir, { recursive: true, force: true });
      try {
        rmdirSync(join(PROJECT_ROOT, ".test-tmp"));
      } catch {
        // Another run's folder is still there.
      }
    }
  });
});
