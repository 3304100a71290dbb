import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { prepareDevSoftHsm } from "../../src/dev/dev-softhsm.js";
import { CLI } from "../support/dev-server.js";
import { serveDirectory, writeServeConfig } from "../support/serve-directory.js";
import { softHsmSkipReason } from "../support/softhsm.js";

/** A config folder with a TLS certificate from the test CA, a master key, and a SoftHSM2 token made as dev mode makes one. */
async function setup() {
  const dir = await serveDirectory("serve-hsm-");
  const token = await prepareDevSoftHsm(dir);
  const config = writeServeConfig(dir, {
    workers: 2,
    hsm: { module: token.settings.module, tokenLabel: token.settings.tokenLabel, pin: { env: "KH_HSM_PIN" } },
  });
  // The PIN reaches the server through the environment variable the config names; SoftHSM2 finds the token by its config.
  const env = (pin: string) => ({ PATH: process.env.PATH!, SOFTHSM2_CONF: join(dir, "softhsm", "softhsm2.conf"), KH_HSM_PIN: pin });
  return { config, pin: token.settings.pin, env };
}

/** The processes whose parent is `pid` (Linux: the fourth field of /proc/PID/stat, after the command in parentheses). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe("keyhold serve with an hsm", { skip: softHsmSkipReason() }, () => {
  it("opens the token in the primary and in each worker, says which and how, and stops cleanly", async () => {
    const { config, pin, env } = await setup();
    const child = spawn(process.execPath, [CLI, "serve", "--config", config], { env: env(pin), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((done) => child.once("exit", done));
    try {
      await new Promise<void>((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`not ready in 15 s:\n${output}`)), 15_000);
        child.stdout.on("data", () => output.includes("ready at") && (clearTimeout(timer), ready()));
        void exited.then(() => (clearTimeout(timer), fail(new Error(`serve exited:\n${output}`))));
      });
      if (process.platform === "linux") {
        const workers = childrenOf(child.pid!);
        assert.equal(workers.length, 2, "two workers");
        for (const pid of workers)
          assert.match(readFileSync(`/proc/${pid}/maps`, "utf8"), /libsofthsm2\.so/, "each worker loaded the library");
      }
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, output);
    const opened = output
      .split("\n")
      .filter((line) => line.includes("HSM token"))
      .map((line) => JSON.parse(line) as { msg: string; hsm: { token: string; module: string; mechanisms: Record<string, string> } });
    assert.equal(opened.length, 1, "one line, from the primary");
    assert.match(opened[0]!.msg, /^HSM token keyhold-dev opened through \S+libsofthsm2\.so$/);
    assert.equal(opened[0]!.hsm.token, "keyhold-dev");
    assert.ok(Object.keys(opened[0]!.hsm.mechanisms).length > 0, "the path of each mechanism");
    assert.ok(!output.includes(pin), "never the PIN");
  });

  it("refuses to start with a PIN the token refuses, in one line without the PIN", async () => {
    const { config, env } = await setup();
    const run = spawnSync(process.execPath, [CLI, "serve", "--config", config], {
      env: env("wrong-pin-5150"),
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(run.status, 1, run.stdout);
    assert.match(run.stderr, /^ERROR: \(HsmUnavailable\) the HSM token cannot be opened: wrong PIN for token "?keyhold-dev"?\n$/);
    assert.doesNotMatch(`${run.stdout}${run.stderr}`, /wrong-pin-5150/);
  });
});
