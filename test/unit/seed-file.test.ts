import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SeedError, readSeedFile } from "../../src/dev/seed-file.js";
import { fillPlaceholders } from "../../src/dev/seed-placeholders.js";
import { testRoot } from "../support/dev-server.js";

const dir = mkdtempSync(join(testRoot(), "seed-file-"));
let count = 0;

/** Writes the lines as a seed file; answers its path. */
function seedFile(lines: string[], extension = "yaml"): string {
  const file = join(dir, `seed-${++count}.${extension}`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** The message readSeedFile refuses the file with. */
function refusal(file: string): string {
  try {
    readSeedFile(file);
  } catch (error) {
    assert.ok(error instanceof SeedError, String(error));
    return error.message;
  }
  assert.fail("the seed file was accepted");
}

describe("seed files", () => {
  it("takes the CLI's names for a key's size, curve and operations, and gives the REST body", () => {
    const file = seedFile([
      "vaults:",
      "  - name: app-vault",
      "    keys:",
      "      rsa-kek: { kty: RSA, size: 3072, ops: [wrapKey, unwrapKey] }",
      "      signer: { kty: EC, curve: P-384 }",
      "      rest: { kty: oct, key_size: 128, key_ops: [encrypt, decrypt], tags: { team: a }, attributes: { enabled: false, exp: 1900000000 } }",
    ]);
    const [vault] = readSeedFile(file);
    assert.deepEqual(
      vault!.keys.map((k) => [k.name, k.body]),
      [
        ["rsa-kek", { kty: "RSA", key_size: 3072, key_ops: ["wrapKey", "unwrapKey"] }],
        ["signer", { kty: "EC", crv: "P-384" }],
        [
          "rest",
          {
            kty: "oct",
            key_size: 128,
            key_ops: ["encrypt", "decrypt"],
            tags: { team: "a" },
            attributes: { enabled: false, exp: 1900000000 },
          },
        ],
      ],
    );
    assert.equal(vault!.keys[0]!.where, `${file}:4:7: vaults[0].keys.rsa-kek`);
  });

  it("refuses an unknown field at every level with the file, line, column and field", () => {
    const cases: [string[], string][] = [
      [["vault:", "  - name: v"], ":1:1: unknown field 'vault' (expected one of vaults)"],
      [
        ["vaults:", "  - name: v", "    colour: blue"],
        ":3:5: vaults[0]: unknown field 'colour' (expected one of name, sku, enableRbacAuthorization, secrets, keys)",
      ],
      [
        ["vaults:", "  - name: v", "    keys:", "      rsa-kek:", "        kty: RSA", "        sizee: 3072"],
        ":6:9: vaults[0].keys.rsa-kek: unknown field 'sizee' (expected one of kty, size (or key_size), curve (or crv), ops (or key_ops), public_exponent, attributes, tags)",
      ],
      [
        ["vaults:", "  - name: v", "    secrets:", "      s: { value: x, content_type: text/plain }"],
        ":4:22: vaults[0].secrets.s: unknown field 'content_type'",
      ],
      [
        ["vaults:", "  - name: v", "    secrets:", "      s: { value: x, attributes: { expires: 5 } }"],
        ":4:36: vaults[0].secrets.s.attributes: unknown field 'expires'",
      ],
      [
        ["vaults:", "  - name: v", "    keys:", "      k: { kty: EC, attributes: { exportable: false, enable: true } }"],
        ":4:54: vaults[0].keys.k.attributes: unknown field 'enable'",
      ],
    ];
    for (const [lines, expected] of cases) {
      const file = seedFile(lines);
      assert.ok(refusal(file).startsWith(`${file}${expected}`), `${refusal(file)}\nexpected ${expected}`);
    }
  });

  it("refuses a field given under both of its spellings", () => {
    const file = seedFile(["vaults:", "  - name: v", "    keys:", "      k: { kty: RSA, size: 3072, key_size: 2048 }"]);
    assert.equal(refusal(file), `${file}:4:34: vaults[0].keys.k: 'size' and 'key_size' are the same field: give one of them`);
    const json = seedFile(['{"vaults": [{"name": "v", "keys": {"k": {"kty": "EC", "crv": "P-256", "curve": "P-256"}}}]}'], "json");
    assert.equal(refusal(json), `${json}:1:71: vaults[0].keys.k: 'crv' and 'curve' are the same field: give one of them`);
  });

  it("refuses wrong types and values, naming the field as it was spelled", () => {
    const key = (definition: string) => seedFile(["vaults:", "  - name: v", "    keys:", `      k: ${definition}`]);
    const cases: [string, string][] = [
      ['{ kty: RSA, size: "3072" }', "vaults[0].keys.k.size: expected a number of bits (RSA: 2048, 3072, 4096; oct: 128, 192, 256)"],
      ["{ kty: RSA, key_size: 3072.5 }", "vaults[0].keys.k.key_size: expected a number of bits"],
      [
        "{ kty: RSA, ops: wrapKey }",
        "vaults[0].keys.k.ops: expected a list of encrypt, decrypt, sign, verify, wrapKey, unwrapKey, import, export",
      ],
      ["{ kty: RSA, ops: [wrapKey, unwrapkey] }", "vaults[0].keys.k.ops[1]: 'unwrapkey' is not one of encrypt, decrypt"],
      ["{ kty: EC, curve: P-999 }", "vaults[0].keys.k.curve: 'P-999' is not one of P-256, P-256K, P-384, P-521"],
      ["{ kty: rsa }", "vaults[0].keys.k.kty: 'rsa' is not one of RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM"],
      ["{ size: 2048 }", "vaults[0].keys.k: a key needs a kty"],
      ["{ kty: RSA, attributes: { enabled: yes } }", "vaults[0].keys.k.attributes.enabled: expected true or false"],
      ["{ kty: RSA, attributes: { exportable: true } }", "vaults[0].keys.k: Exportable keys and release policies"],
      ["[RSA]", "vaults[0].keys.k: expected a map of kty"],
    ];
    for (const [definition, expected] of cases) {
      const file = key(definition);
      assert.ok(
        refusal(file).startsWith(`${file}:4:`) && refusal(file).includes(`: ${expected}`),
        `${refusal(file)}\nexpected ${expected}`,
      );
    }
    const vault = seedFile(["vaults:", "  - name: v", "    sku: gold"]);
    assert.equal(refusal(vault), `${vault}:3:10: vaults[0].sku: 'gold' is not one of standard, premium`);
    const nameless = seedFile(["vaults:", "  - sku: premium"]);
    assert.equal(refusal(nameless), `${nameless}:2:5: vaults[0]: each vault needs a name`);
  });

  it("never repeats a secret's value in a refusal", () => {
    const file = seedFile(["vaults:", "  - name: v", "    secrets:", "      s: { value: 12345678, tags: { t: hunter2-tag } }"]);
    assert.equal(refusal(file), `${file}:4:19: vaults[0].secrets.s.value: expected a string`);
    const tag = seedFile(["vaults:", "  - name: v", "    secrets:", "      s: { value: x, tags: { t: 42 } }"]);
    assert.equal(refusal(tag), `${tag}:4:33: vaults[0].secrets.s.tags.t: expected a string`);
  });

  it("refuses a placeholder it does not know, or an unset variable, where it is written", () => {
    const file = seedFile(["vaults:", "  - name: v", "    secrets:", "      a: ok", '      b: "${random:0}"']);
    assert.match(
      refusal(file),
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5:10: vaults\\[0\\]\\.secrets\\.b: unknown placeholder \\$\\{random:0\\}`,
      ),
    );
    delete process.env.KEYHOLD_TEST_UNSET;
    const unset = seedFile(["vaults:", "  - name: v", "    secrets:", '      a: { value: "${env:KEYHOLD_TEST_UNSET}" }']);
    assert.equal(refusal(unset), `${unset}:4:19: vaults[0].secrets.a.value: \${env:KEYHOLD_TEST_UNSET} is not set`);
  });

  it("says where a file is not YAML, and what a file without vaults lacks", () => {
    const broken = seedFile(["vaults: [", "  {name: v"]);
    assert.match(refusal(broken), /:\d+:\d+: not valid YAML or JSON: /);
    const empty = seedFile([""]);
    assert.equal(refusal(empty), `${empty}: expected { vaults: [ … ] }`);
    assert.match(refusal(join(dir, "absent.yaml")), /absent\.yaml: cannot read it: ENOENT/);
  });

  it("makes ${random:N} N random bytes as ⌈4N/3⌉ base64url characters", () => {
    for (const [n, length] of [
      [1, 2],
      [16, 22],
      [24, 32],
      [32, 43],
      [1024, 1366],
    ] as const) {
      assert.match(fillPlaceholders(`\${random:${n}}`), new RegExp(`^[A-Za-z0-9_-]{${length}}$`));
    }
    assert.equal(Buffer.from(fillPlaceholders("${random:24}"), "base64url").length, 24);
  });
});
