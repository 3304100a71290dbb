/**
 * `npm test`: makes one throw-away dev CA for the whole run, so that every test process trusts the servers
 * the tests start (Node reads NODE_EXTRA_CA_CERTS only at start-up), then runs every *.test.js under
 * node's test runner.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDevCa } from "../src/crypto/dev-certificates.js";

const here = dirname(fileURLToPath(import.meta.url));

function findTests(dir: string, filter: string | undefined): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return findTests(path, filter);
    return path.endsWith(".test.js") && (!filter || path.includes(filter)) ? [path] : [];
  });
}

const root = mkdtempSync(join(tmpdir(), "keyhold-test-"));
const caDir = join(root, "ca");
mkdirSync(caDir);
const ca = await createDevCa();
writeFileSync(join(caDir, "ca.pem"), ca.certPem);
writeFileSync(join(caDir, "ca-key.pem"), ca.keyPem, { mode: 0o600 });

const files = findTests(here, process.argv[2]).sort();
const result = spawnSync(process.execPath, ["--test", ...files], {
  stdio: "inherit",
  // KEYHOLD_CONFIG_DIR: a login saved by whoever runs the tests never leaks into them.
  env: { ...process.env, NODE_EXTRA_CA_CERTS: join(caDir, "ca.pem"), KEYHOLD_TEST_CA_DIR: caDir, KEYHOLD_TEST_ROOT: root, KEYHOLD_CONFIG_DIR: join(root, "config") },
});
rmSync(root, { recursive: true, force: true });
process.exit(result.status ?? 1);
