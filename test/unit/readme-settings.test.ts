import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { settingsReference } from "../../src/config/config-reference.js";

const README = join(dirname(fileURLToPath(import.meta.url)), "../../../README.md");
const HEADER = "| setting | type | default | meaning |";

/** The rows of the README's table of settings: the lines after its header and separator, up to the table's end. */
function readmeRows(): string[] {
  const lines = readFileSync(README, "utf8").split("\n");
  const header = lines.indexOf(HEADER);
  assert.ok(header >= 0, `the README has a table headed ${HEADER}`);
  const end = lines.findIndex((line, i) => i > header + 1 && !line.startsWith("|"));
  return lines.slice(header + 2, end);
}

/** The table as the schema describes it: each setting's path, type, default and meaning. */
const schemaRows = (): string[] => settingsReference().map((s) => `| \`${s.path}\` | ${s.type} | ${s.default} | ${s.description} |`);

describe("the README's table of production settings", () => {
  it("lists every setting of the schema, with its type, default and meaning, and nothing else", () => {
    const expected = schemaRows();
    assert.deepEqual(
      readmeRows(),
      expected,
      `the README's table of settings must read:\n${HEADER}\n|---|---|---|---|\n${expected.join("\n")}`,
    );
  });

  it("covers every key of the config file, nested ones included", () => {
    const paths = settingsReference().map((s) => s.path);
    for (const path of ["listen.port", "tls.keyFile", "masterKey.env", "database.env", "storeFile", "logLevel"])
      assert.ok(paths.includes(path), path);
    assert.equal(settingsReference().find((s) => s.path === "storeFile")?.default, '`"keyhold.db"`');
  });
});
