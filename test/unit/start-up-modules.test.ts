import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { PROJECT_ROOT } from "../support/dev-server.js";

/**
 * What a server start must not load: each costs tens to hundreds of milliseconds, and a start needs none of them
 * until a certificate is made or read, a config file or throttle file is checked, or a seed file or -o yaml is read.
 */
const NOT_AT_START = [
  /@peculiar\//,
  /\/asn1js\//,
  /\/zod\//,
  /\/yaml\//,
  /@jmespath-community/,
  /\/dotenv\//,
  /\/reflect-metadata\//,
  /\/node_modules\/pg\//,
  /\/pkcs11js\//,
];

/** The URLs of the modules a node process resolves while it imports `modules` (dist/src paths), in order. */
function modulesResolvedBy(modules: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "keyhold-modules-"));
  try {
    const record = join(dir, "modules.txt");
    const imports = modules.map((m) => `await import(${JSON.stringify(pathToFileURL(join(PROJECT_ROOT, "dist/src", m)).href)});`);
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        pathToFileURL(join(PROJECT_ROOT, "test/support/record-modules.mjs")).href,
        "--input-type=module",
        "-e",
        imports.join("\n"),
      ],
      { env: { ...process.env, KEYHOLD_RECORD_MODULES: record }, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    return readFileSync(record, "utf8").split("\n").filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("what a server start loads", () => {
  it("`keyhold dev` and `serve` load no X.509, schema, YAML, JMESPath or dotenv module before they listen", () => {
    // The CLI's entry point without running it: its imports, the server commands' group, and what `dev` loads.
    const loaded = modulesResolvedBy([
      "cli/error-line.js",
      "cli/examples.js",
      "cli/output.js",
      "cli/command-groups.js",
      "cli/server-commands.js",
      "dev/run-dev.js",
      "server/start-server.js",
    ]);
    assert.ok(
      loaded.some((url) => url.endsWith("/dist/src/vault/certificate-service.js")),
      "the start's modules were not all loaded",
    );
    const early = loaded.filter((url) => NOT_AT_START.some((pattern) => pattern.test(url)));
    assert.deepEqual(early, []);
  });

  it("the X.509 libraries load with the first certificate made", () => {
    const loaded = modulesResolvedBy(["crypto/dev-certificates.js"]);
    assert.ok(loaded.some((url) => url.includes("@peculiar/asn1-x509")));
  });
});
