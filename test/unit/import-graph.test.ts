import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

/**
 * The layers of src/ and what each may import: imports flow one way, from the entry points (cli, dev, server)
 * down to the domain (vault, authz, identity) and its foundations (crypto, storage, errors). Adding an arrow
 * here is a design decision; see docs/architecture.md.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  errors: [],
  crypto: ["errors"],
  storage: ["errors"],
  config: ["errors"],
  identity: ["errors", "crypto", "storage"],
  authz: ["errors", "storage", "identity"],
  vault: ["errors", "crypto", "storage"],
  server: ["errors", "crypto", "storage", "config", "identity", "authz", "vault"],
  dev: ["errors", "crypto", "storage", "config", "identity", "authz", "vault", "server"],
  cli: ["errors", "crypto", "storage", "config", "identity", "authz", "vault", "server", "dev"],
};

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../../..");
const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const layerOf = (file: string): string => relative(SRC, file).split("/")[0]!;

interface Source {
  file: string;
  text: string;
}

/** Every module a file imports, statically, by re-export or dynamically, as paths. */
function importsOf({ file, text }: Source): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => resolve(dirname(file), name));
}

/** Imports that go against the layering: `from → to` for each. */
function upwardImports(sources: readonly Source[]): string[] {
  return sources.flatMap((source) => {
    const from = layerOf(source.file);
    return importsOf(source)
      .filter((target) => target.startsWith(SRC) && layerOf(target) !== from && !(MAY_IMPORT[from] ?? []).includes(layerOf(target)))
      .map((target) => `${relative(ROOT, source.file)} → ${relative(ROOT, target)}`);
  });
}

describe("the import graph of src/", () => {
  const sources = sourceFiles(SRC).map((file) => ({ file, text: readFileSync(file, "utf8") }));

  it("places every file in a known layer", () => {
    assert.deepEqual(
      [...new Set(sources.map((s) => layerOf(s.file)))].filter((layer) => !(layer in MAY_IMPORT)),
      [],
    );
  });

  it("has no import against the layering", () => {
    assert.deepEqual(upwardImports(sources), []);
  });

  it("notices an upward import, static, re-exported or dynamic", () => {
    const file = join(SRC, "vault", "probe.ts");
    const texts = [
      'import { x } from "../server/build-app.js";',
      'export type { y } from "../authz/authorize.js";',
      'const m = await import("../cli/main.js");',
    ];
    for (const text of texts) assert.equal(upwardImports([{ file, text }]).length, 1, text);
    assert.deepEqual(upwardImports([{ file, text: 'import { z } from "../crypto/aes.js"; import { w } from "./limits.js";' }]), []);
  });
});
