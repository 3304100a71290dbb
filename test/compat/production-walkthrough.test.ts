import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { CLI, PROJECT_ROOT, testRoot } from "../support/dev-server.js";

/**
 * The README's "A first server, step by step", run as written: its shell blocks in bash, its config, /etc/hosts
 * lines and program as the files it says to make. What a test cannot do as a reader would is stood in for, and
 * only that: `npx keyhold` runs this checkout's CLI, `npm install` links the project's node_modules (which hold
 * the SDK), the /etc/hosts lines are given to every Node process through test/support/hosts-file.mjs, and the
 * port 8443 is replaced by a free one. Nothing of the test runner's environment reaches the steps (not its CA).
 */

const HEADING = "### A first server, step by step";

interface Block {
  lang: string;
  text: string;
}

/** The fenced blocks of the walkthrough, in order, with 8443 replaced by the port the test serves on. */
function walkthroughBlocks(port: number): Block[] {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${HEADING}\n`);
  assert.ok(start >= 0, `the README has the section ${HEADING}`);
  const end = readme.indexOf("\n### ", start + HEADING.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map(([, lang, text]) => ({
    lang: lang!,
    text: text!.replaceAll("8443", String(port)),
  }));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once("error", reject);
  });
}

/** Stand-ins for the commands a reader has installed: `npx keyhold …` and `npm install …`. */
function standIns(dir: string): string {
  const bin = join(dir, ".stand-ins");
  mkdirSync(bin);
  writeFileSync(join(bin, "npx"), `#!/bin/sh\n[ "$1" = keyhold ] || exit 1\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  writeFileSync(
    join(bin, "npm"),
    `#!/bin/sh\n[ "$1" = install ] || exit 1\nexec ln -sfn "${join(PROJECT_ROOT, "node_modules")}" node_modules\n`,
  );
  chmodSync(join(bin, "npx"), 0o755);
  chmodSync(join(bin, "npm"), 0o755);
  return bin;
}

/** Stops the server step: bash and the server it started, one process group. */
const stop = (server: ChildProcess) => process.kill(-server.pid!, "SIGTERM");

/** Starts the step that runs the server, and resolves with what it printed once it says it is ready. */
function startServer(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ server: ChildProcess; said: string }> {
  const server = spawn("bash", ["-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      stop(server);
      reject(new Error(`the server did not say it was ready within 20 s: ${out}${err}`));
    }, 20_000);
    server.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes("Keyhold ready")) return;
      clearTimeout(timer);
      resolve({ server, said: out });
    });
    server.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    server.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server stopped (${code}): ${out}${err}`));
    });
  });
}

describe("the README's production walkthrough", () => {
  it("makes a CA and certificate, starts `keyhold serve`, bootstraps, grants, and makes the first SDK call", async () => {
    const port = await freePort();
    const blocks = walkthroughBlocks(port);
    const shell = blocks.filter((b) => b.lang === "sh");
    const serveStep = shell.findIndex((b) => b.text.includes("keyhold serve"));
    assert.ok(serveStep > 0, "a step starts the server, after the steps that make its files");
    const only = (lang: string): string => {
      const found = blocks.filter((b) => b.lang === lang);
      assert.equal(found.length, 1, `one ${lang} block`);
      return found[0]!.text;
    };

    const dir = mkdtempSync(join(testRoot(), "walkthrough-"));
    chmodSync(dir, 0o755); // a folder only its owner can write to, as a reader's `mkdir` makes it
    writeFileSync(join(dir, "config.json"), only("json"));
    writeFileSync(join(dir, "first-call.mjs"), only("js"));
    const hostsFile = join(dir, ".hosts");
    writeFileSync(hostsFile, only("text"));
    const env: NodeJS.ProcessEnv = {
      PATH: `${standIns(dir)}:${process.env.PATH}`,
      HOME: dir,
      KEYHOLD_CONFIG_DIR: join(dir, ".config"),
      KEYHOLD_TEST_HOSTS_FILE: hostsFile,
      NODE_OPTIONS: `--import ${pathToFileURL(join(PROJECT_ROOT, "test/support/hosts-file.mjs")).href}`,
    };
    const bash = (blocksToRun: Block[]) =>
      promisify(execFile)("bash", ["-e", "-c", blocksToRun.map((b) => b.text).join("\n")], { cwd: dir, env, timeout: 30_000 });

    await bash(shell.slice(0, serveStep));
    const { server, said } = await startServer(shell[serveStep]!.text, dir, env);
    try {
      assert.ok(said.includes(`Keyhold ready at https://127.0.0.1:${port} (production mode)`), said);
      const { stdout } = await bash(shell.slice(serveStep + 1));
      assert.match(stdout, /"serverAdministrator": true/, "`keyhold status` shows the bootstrapped administrator");
      assert.ok(stdout.includes(`"vaultUri": "https://my-vault.vault.example.com:${port}"`), stdout);
      assert.equal(stdout.trim().split("\n").at(-1), "hello from Keyhold", "the first SDK call set and read the secret");
    } finally {
      stop(server);
    }
  });
});
