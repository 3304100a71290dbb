// Builds the web console (console/src, Preact) into dist/console with esbuild: one JavaScript bundle, one
// stylesheet and the page that loads them. Run by `npm install` (prepare) and `npm test`; it takes well under a second.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "console");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, "console", "src", "main.tsx")],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  outfile: join(out, "app.js"),
  logLevel: "warning",
});
copyFileSync(join(root, "console", "src", "index.html"), join(out, "index.html"));
