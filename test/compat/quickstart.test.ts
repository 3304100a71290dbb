import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CLI, PROJECT_ROOT, type DevServer, startDevServer } from "../support/dev-server.js";
import { sdkProgramEnv } from "../support/sdk-under-test.js";

const SEEDS = join(PROJECT_ROOT, "../shared/seeds");
const QUICKSTART = join(SEEDS, "secrets-quickstart.cjs");

/** Microsoft's secrets quickstart, as published, run with nothing but the dev env. */
describe("the secrets quickstart program", () => {
  let server: DevServer;
  // Skipped as a test (so the run's count says so) when the program is not beside the project.
  const absent = existsSync(QUICKSTART) ? false : `${QUICKSTART} is absent`;
  before(async () => {
    if (!absent) server = await startDevServer();
  });
  after(async () => {
    await server?.stop();
  });

  it("runs unmodified against a fresh vault and prints the value it stored", { skip: absent }, async () => {
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", ...server.env, KEY_VAULT_NAME: "quickstart-vault" };
    const created = spawnSync(process.execPath, [CLI, "vault", "create", "--name", "quickstart-vault"], { env, encoding: "utf8" });
    assert.equal(created.status, 0, created.stderr);

    // The program lives outside the project: `require("@azure/identity")` resolves through NODE_PATH.
    const child = spawn(process.execPath, [QUICKSTART], { env: { ...env, ...sdkProgramEnv() }, cwd: PROJECT_ROOT });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.stdin.end("correct horse battery staple\n");
    const code = await new Promise<number | null>((done) => child.once("exit", done));
    assert.equal(code, 0, out);
    assert.match(out, /Your secret is 'correct horse battery staple'\./);
    assert.match(out, /Deleting your secret from quickstart-vault \.\.\.\nDone\./);
  });
});
