/**
 * `npm run test:latest-sdk`: installs the newest published releases of the official clients into a throw-away
 * folder and runs every compat test that drives an SDK with them instead of the versions pinned in
 * package.json, so that a new SDK release that breaks Keyhold fails CI at once.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const PACKAGES = ["@azure/keyvault-secrets", "@azure/keyvault-keys", "@azure/keyvault-certificates", "@azure/identity"];

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, "../..");
const compatSources = join(projectRoot, "test/compat");

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status})\n${result.stdout}`);
  return result.stdout;
}

/**
 * The compat tests that load an official SDK (directly, through a support module, or as a published program). The
 * console's browser tests use the SDK only to look at what the console did, and are left to `npm test`.
 */
function sdkTests(): string[] {
  return readdirSync(compatSources)
    .filter((file) => file.endsWith(".test.ts") && !file.startsWith("console-"))
    .filter((file) => /from "@azure\/|support\/(sdk|keys-sdk)\.js|shared\/seeds/.test(readFileSync(join(compatSources, file), "utf8")))
    .map((file) => `compat/${file.replace(/\.ts$/, ".js")}`);
}

const folder = mkdtempSync(join(tmpdir(), "keyhold-latest-sdk-"));
let status = 1;
try {
  writeFileSync(join(folder, "package.json"), JSON.stringify({ name: "keyhold-latest-sdk", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...PACKAGES.map((p) => `${p}@latest`)], { cwd: folder });
  const modules = join(folder, "node_modules");
  const versions = PACKAGES.map(
    (p) => `${p}@${(JSON.parse(readFileSync(join(modules, p, "package.json"), "utf8")) as { version: string }).version}`,
  );
  process.stdout.write(`# SDK under test (newest published): ${versions.join(", ")}\n`);

  const env = {
    ...process.env,
    KEYHOLD_SDK_NODE_MODULES: modules,
    NODE_OPTIONS:
      `${process.env.NODE_OPTIONS ?? ""} --import ${pathToFileURL(join(projectRoot, "test/support/sdk-redirect.mjs")).href}`.trim(),
  };
  // The redirect must really take effect: a test run against the pinned packages would prove nothing.
  const resolved = run(
    process.execPath,
    ["--input-type=module", "-e", 'process.stdout.write(import.meta.resolve("@azure/keyvault-secrets"))'],
    {
      cwd: projectRoot,
      env,
    },
  );
  if (!resolved.startsWith(pathToFileURL(modules).href))
    throw new Error(`@azure/keyvault-secrets resolves to ${resolved}, not to ${modules}`);

  const result = spawnSync(process.execPath, [join(here, "run-tests.js"), ...sdkTests()], { stdio: "inherit", env });
  status = result.status ?? 1;
} finally {
  rmSync(folder, { recursive: true, force: true });
}
process.exit(status);
