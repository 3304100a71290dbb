/**
 * `npm test`: makes one throw-away dev CA for the whole run, so that every test process trusts the servers
 * the tests start (Node reads NODE_EXTRA_CA_CERTS only at start-up), then runs every *.test.js under
 * node's test runner. It also starts a throw-away PostgreSQL server when the machine has one installed (or uses
 * KEYHOLD_TEST_POSTGRES_URL), for the tests that run against PostgreSQL; with KEYHOLD_REQUIRE_POSTGRES=1 (CI) a
 * missing one fails the run instead of skipping those tests.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDevCa } from "../src/crypto/dev-certificates.js";
import { startThrowawayPostgres } from "./support/throwaway-postgres.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Every *.test.js under dir whose path contains one of the filters (all of them with none). */
function findTests(dir: string, filters: string[]): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return findTests(path, filters);
    return path.endsWith(".test.js") && (filters.length === 0 || filters.some((f) => path.includes(f))) ? [path] : [];
  });
}

const root = mkdtempSync(join(tmpdir(), "keyhold-test-"));
const caDir = join(root, "ca");
mkdirSync(caDir);
const ca = await createDevCa();
writeFileSync(join(caDir, "ca.pem"), ca.certPem);
writeFileSync(join(caDir, "ca-key.pem"), ca.keyPem, { mode: 0o600 });

const files = findTests(here, process.argv.slice(2)).sort();
const postgres = process.env.KEYHOLD_TEST_POSTGRES_URL ? null : await startThrowawayPostgres(root);
const postgresUrl = process.env.KEYHOLD_TEST_POSTGRES_URL ?? postgres?.url;
if (!postgresUrl) {
  if (process.env.KEYHOLD_REQUIRE_POSTGRES === "1") {
    process.stderr.write("KEYHOLD_REQUIRE_POSTGRES=1 but no PostgreSQL server is installed (initdb, pg_ctl)\n");
    process.exit(1);
  }
  process.stderr.write("note: no PostgreSQL server installed here; the PostgreSQL tests will skip\n");
}
let status: number | null = 1;
try {
  const result = spawnSync(process.execPath, ["--test", ...files], {
    stdio: "inherit",
    // KEYHOLD_CONFIG_DIR: a login saved by whoever runs the tests never leaks into them.
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: join(caDir, "ca.pem"),
      KEYHOLD_TEST_CA_DIR: caDir,
      KEYHOLD_TEST_ROOT: root,
      KEYHOLD_CONFIG_DIR: join(root, "config"),
      ...(postgresUrl && { KEYHOLD_TEST_POSTGRES_URL: postgresUrl }),
    },
  });
  status = result.status;
} finally {
  postgres?.stop();
  rmSync(root, { recursive: true, force: true });
}
process.exit(status ?? 1);
