import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI } from "../support/dev-server.js";
import { serveDirectory, writeServeConfig } from "../support/serve-directory.js";

/** A production config on port 0 in a fresh directory, with the run's test CA's certificate and a new master key. */
async function writeConfig(settings: object): Promise<{ dir: string; file: string }> {
  const dir = await serveDirectory("serve-logs-");
  return { dir, file: writeServeConfig(dir, settings) };
}

/** Runs `keyhold serve` until it is ready, sends it SIGTERM, and gives what it printed and its exit code. */
async function serveThenStop(config: string): Promise<{ output: string; code: number | null; port: number }> {
  const child = spawn(process.execPath, [CLI, "serve", "--config", config], {
    env: { PATH: process.env.PATH! },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve not ready in 15 s: ${output}`)), 15_000);
    child.stdout.on("data", () => {
      const ready = /Keyhold ready at https:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (!ready) return;
      clearTimeout(timer);
      resolve(Number(ready[1]));
    });
    void exited.then(() => reject(new Error(`serve exited: ${output}`)));
  });
  child.kill("SIGTERM");
  const code = await exited;
  return { output, code, port };
}

describe("what `keyhold serve` logs", () => {
  it("JSON lines: what it started on (never the master key), then the drain and stop on SIGTERM, exiting 0", async () => {
    const { dir, file } = await writeConfig({});
    const { output, code, port } = await serveThenStop(file);
    assert.equal(code, 0, output);
    const lines = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const started = lines.find((line) => line.msg === "Keyhold started");
    assert.deepEqual(
      started && [started.mode, started.listening, started.store, started.vaults, started.leader],
      ["production", [`https://127.0.0.1:${port}`], `SQLite ${join(dir, "keyhold.db")}`, 0, true],
      output,
    );
    assert.ok(
      lines.some((line) => /^SIGTERM: draining \d+ connections?$/.test(line.msg as string)),
      output,
    );
    assert.match(lines.at(-1)?.msg as string, /^stopped after \d+ ms$/);
    assert.ok(!output.includes(readFileSync(join(dir, "master.key"), "utf8").trim()), "the master key is never printed");
  });

  it("readable lines with logFormat pretty", async () => {
    const { file } = await writeConfig({ logFormat: "pretty" });
    const { output, code } = await serveThenStop(file);
    assert.equal(code, 0, output);
    assert.match(output, / INFO {2}Keyhold started mode=production listening=\["https:\/\/127\.0\.0\.1:\d+"\] store="SQLite [^"]+"/);
    assert.match(output, / INFO {2}stopped after \d+ ms\n$/);
    assert.ok(!output.split("\n").some((line) => line.startsWith("{")), output);
  });
});
