import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keyholdJson } from "../support/cli.js";
import { CLI, newDataDir, startDevServer, testRoot } from "../support/dev-server.js";

const seedDir = mkdtempSync(join(testRoot(), "dev-seed-"));

function seedFile(name: string, lines: string[]): string {
  const file = join(seedDir, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** `keyhold dev` with a seed that it refuses: it must exit with one error line and no server left running. */
function refusedStart(dir: string, seed: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "dev", "--data-dir", dir, "--port", "0", "--seed", seed], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, HTTPS_PROXY: "", https_proxy: "" },
  });
  return { status: r.status, stderr: r.stderr };
}

describe("keyhold dev --seed", () => {
  it("makes keys exactly as the seed says, with the CLI's names or the REST API's", async () => {
    const seed = seedFile("keys.yaml", [
      "vaults:",
      "  - name: seeded-keys",
      "    keys:",
      "      rsa-kek: { kty: RSA, size: 3072, ops: [wrapKey, unwrapKey] }",
      "      signer: { kty: EC, curve: P-384, ops: [sign] }",
      "      rest-names: { kty: EC, crv: P-521, key_ops: [verify] }",
    ]);
    const server = await startDevServer(newDataDir(), ["--seed", seed]);
    try {
      const show = (name: string) => keyholdJson(server.env, ["key", "show", "--vault-name", "seeded-keys", "-n", name]).key;
      const rsa = show("rsa-kek");
      assert.equal(Buffer.from(rsa.n, "base64url").length * 8, 3072);
      assert.deepEqual(rsa.key_ops, ["wrapKey", "unwrapKey"]);
      const ec = show("signer");
      assert.deepEqual([ec.kty, ec.crv, ec.key_ops], ["EC", "P-384", ["sign"]]);
      const rest = show("rest-names");
      assert.deepEqual([rest.crv, rest.key_ops], ["P-521", ["verify"]]);
    } finally {
      await server.stop();
    }
  });

  it("refuses an unknown field or both spellings of one before starting, with the file, line, column and field", () => {
    const unknown = seedFile("unknown.yaml", [
      "vaults:",
      "  - name: v1",
      "    keys:",
      "      rsa-kek:",
      "        kty: RSA",
      "        sizee: 3072",
    ]);
    const dir = newDataDir();
    const r = refusedStart(dir, unknown);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^ERROR: \(\w+\) \S*unknown\.yaml:6:9: vaults\[0\]\.keys\.rsa-kek: unknown field 'sizee' \(expected one of kty, size \(or key_size\)/,
    );
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.ok(!existsSync(join(dir, "keyhold.db")), "no store was made");
    const both = seedFile("both.yaml", ["vaults:", "  - name: v1", "    keys:", "      k: { kty: EC, curve: P-256, crv: P-256 }"]);
    assert.match(refusedStart(dir, both).stderr, /both\.yaml:4:35: vaults\[0\]\.keys\.k: 'curve' and 'crv' are the same field/);
  });

  it("undoes what it made when the server refuses part of the seed, so that a corrected seed starts afresh", async () => {
    const dir = newDataDir();
    const first = await startDevServer(dir, ["--vault", "std-vault"]);
    await first.stop();
    const seed = (badKey: string) => [
      "vaults:",
      "  - name: fresh-vault",
      "    secrets:",
      "      a: one",
      "  - name: std-vault",
      "    sku: premium",
      "    keys:",
      "      hsm: { kty: EC-HSM }",
      "  - name: keyhold-dev",
      "    secrets:",
      '      seeded: "${random:16}"',
      "    keys:",
      "      good: { kty: EC }",
      `      bad: ${badKey}`,
    ];
    const r = refusedStart(dir, seedFile("partly-bad.yaml", seed("{ kty: RSA, size: 1024 }")));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /partly-bad\.yaml:14:7: vaults\[2\]\.keys\.bad: The key size 1024 is not supported/);

    const after = await startDevServer(dir);
    try {
      const json = (args: string[]) => keyholdJson(after.env, args);
      assert.deepEqual(json(["vault", "list", "--query", "[].name"]).sort(), ["keyhold-dev", "std-vault"]);
      assert.deepEqual(json(["vault", "list-deleted"]), [], "the new vault was purged, not just deleted");
      assert.equal(json(["vault", "show", "--name", "std-vault", "--query", "properties.sku.name"]), "standard");
      for (const [vault, kind] of [
        ["std-vault", "key"],
        ["keyhold-dev", "key"],
        ["keyhold-dev", "secret"],
      ]) {
        assert.deepEqual(json([kind!, "list", "--vault-name", vault!]), [], `${kind} in ${vault}`);
        assert.deepEqual(json([kind!, "list-deleted", "--vault-name", vault!]), [], `deleted ${kind} in ${vault}`);
      }
    } finally {
      await after.stop();
    }

    const fixed = await startDevServer(dir, ["--seed", seedFile("fixed.yaml", seed("{ kty: RSA, size: 2048 }"))]);
    try {
      assert.match(fixed.output(), /fixed\.yaml: 5 made now/);
      assert.equal(keyholdJson(fixed.env, ["key", "show", "--vault-name", "std-vault", "-n", "hsm", "--query", "key.kty"]), "EC-HSM");
    } finally {
      await fixed.stop();
    }
  });
});
