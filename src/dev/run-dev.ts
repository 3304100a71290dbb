import { DEFAULT_AUDIT_MAX_FILE_BYTES } from "../config/audit-setting.js";
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_BACKGROUND_INTERVAL_MS, DEFAULT_MAX_CONNECTIONS, type ServerConfig } from "../config/server-config.js";
import type { ThrottleSetting } from "../config/throttle-setting.js";
import type { AuditSinkKind } from "../config/audit-setting.js";
import type { LogFormat, LogLevel } from "../config/serve-config-schema.js";
import { logStarted } from "../server/lifecycle-log.js";
import { type RunningServer, startServer } from "../server/start-server.js";
import type { VaultService } from "../vault/vault-service.js";
import { writeDevEnvFiles } from "./dev-env.js";
import { DEV_VAULT_DOMAINS, prepareDevHome } from "./dev-home.js";
import { ensureDevAccess, ensureDevIdentities } from "./dev-identities.js";
import { DEV_CERTIFICATE_ISSUER, ensureDevCertificateIssuer } from "./dev-certificate-issuer.js";
import type { SeedVault } from "./seed-file.js";
import { freePortPair } from "./free-port.js";
import type { DevSoftHsm } from "./dev-softhsm.js";

export interface DevOptions {
  dataDir: string;
  port: number;
  /** Defaults to port + 1000; 0 picks a free one. */
  proxyPort?: number;
  /** HTTPS worker processes (node:cluster); default 1. */
  workers?: number;
  quiet?: boolean;
  /** Start from an empty store: vaults, principals and grants are gone; the CA and certificates stay. */
  reset?: boolean;
  /** More vaults to make (besides keyhold-dev), with the same dev grants. */
  vaults?: string[];
  /** A JSON or YAML file of vaults, secrets and keys to make unless they exist (seed-file.ts, dev-seed.ts). */
  seed?: string;
  /** PostgreSQL instead of DIR/keyhold.db: dev processes on one data directory and one database form a cluster. */
  database?: string;
  /** How often purge and automatic rotation run (default 5 s). */
  backgroundIntervalMs?: number;
  /** Refuse api-versions newer than the newest Keyhold knows, as production does. */
  strictApiVersions?: boolean;
  /** Data-plane throttling (`--throttle azure` or a file of limits); off by default. */
  throttle?: ThrottleSetting;
  /** Where the audit trail goes: `file` (default, DIR/audit), `postgres` (with `database`), `stdout` or `off`. */
  audit?: AuditSinkKind;
  /** Default `info`: one line per request. */
  logLevel?: LogLevel;
  /** Default `json`; `keyhold dev` picks `pretty` on a terminal. */
  logFormat?: LogFormat;
  /** A plain-HTTP `/metrics` listener on 127.0.0.1 at this port, without a token (0 picks a free one); none by default. */
  metricsPort?: number;
  /** Keep premium vaults' -HSM keys in a SoftHSM2 token in DIR/softhsm (dev-softhsm.ts); by default they stay in software. */
  hsm?: "softhsm";
}

/**
 * What `--reset` removes: the store and everything made for it, the SoftHSM2 token (its keys belong to the store, and
 * its PIN goes with the dev credentials) included; the CA and the server certificate stay (clients keep trusting them).
 */
const RESET_FILES = ["keyhold.db", "keyhold.db-wal", "keyhold.db-shm", "master.key", "dev-identities.json", "dev.env", "dev-mi.env"];
const RESET_DIRS = ["audit", "softhsm"];

export const DEV_DEFAULT_VAULT = "keyhold-dev";

/**
 * keyhold-dev is premium, so that dev mode's -HSM keys work there. A data directory made before vaults had tiers
 * holds it as standard (a migration cannot know which vault is dev mode's): it is upgraded here.
 */
async function ensureDevDefaultVault(vaults: VaultService, creatorId: string): Promise<void> {
  const vault = await vaults.ensure(DEV_DEFAULT_VAULT, creatorId, { sku: "premium" });
  if (vault.sku !== "premium") await vaults.update(vault.name, { sku: "premium" });
}

/** `keyhold dev`: one command to a working local Key Vault on the embedded store. */
export async function runDev(options: DevOptions): Promise<RunningServer> {
  const started = process.hrtime.bigint();
  const dir = resolve(options.dataDir);
  // The seed's modules (and the YAML parser) load only for --seed.
  const seed = options.seed ? (await import("./seed-file.js")).readSeedFile(options.seed) : [];
  if (options.reset && options.database)
    throw new Error("--reset empties the embedded store only: to reset a PostgreSQL database, drop and create it");
  if (options.reset) {
    // New credentials are made below: a shell that sourced the old dev.env would get invalid_client, silently.
    if (existsSync(join(dir, "dev-identities.json"))) {
      process.stderr.write(
        `keyhold: --reset: the dev credentials are new; shells that sourced ${join(dir, "dev.env")} must source it again\n`,
      );
    }
    for (const file of RESET_FILES) rmSync(join(dir, file), { force: true });
    // The new store signs with a new audit key (the old trail would no longer verify against it), and refers to
    // none of the old token's keys.
    for (const made of RESET_DIRS) rmSync(join(dir, made), { recursive: true, force: true });
  }
  const home = await prepareDevHome(dir);
  // The PKCS#11 modules load only with --hsm.
  const softHsm = options.hsm === "softhsm" ? await (await import("./dev-softhsm.js")).prepareDevSoftHsm(dir) : null;
  const [anyPort, anyProxyPort] = await freePortPair();
  const port = options.port === 0 ? anyPort : options.port;
  const requestedProxy = options.proxyPort ?? (options.port === 0 ? 0 : port + 1000);
  const proxyPort = requestedProxy === 0 ? (anyProxyPort === port ? anyPort : anyProxyPort) : requestedProxy;
  const authorityUrl = `https://localhost:${port}`;
  const config: ServerConfig = Object.freeze({
    mode: "dev",
    listenHost: "localhost",
    port,
    proxyPort,
    storeFile: resolve(dir, "keyhold.db"),
    databaseUrl: options.database ?? null,
    tls: { cert: `${home.server.certPem.trim()}\n${home.ca.certPem.trim()}\n`, key: home.server.keyPem },
    masterKey: home.masterKey,
    vaultDomains: DEV_VAULT_DOMAINS,
    authorityUrl,
    vaultUriTemplate: "https://{name}.vault.azure.net",
    defaultVault: DEV_DEFAULT_VAULT,
    tokenLifetimeSeconds: 3600,
    workers: options.workers ?? 1,
    backgroundIntervalMs: options.backgroundIntervalMs ?? DEFAULT_BACKGROUND_INTERVAL_MS,
    logLevel: options.logLevel ?? "info",
    logFormat: options.logFormat ?? "json",
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    serveNewerApiVersions: !options.strictApiVersions,
    throttle: options.throttle ?? "off",
    metricsListen: options.metricsPort === undefined ? null : { host: "127.0.0.1", port: options.metricsPort },
    audit: { sink: options.audit ?? "file", dir: join(dir, "audit"), maxFileBytes: DEFAULT_AUDIT_MAX_FILE_BYTES, node: null },
    hsm: softHsm?.settings ?? null,
  });
  const server = await startServer(config);
  try {
    return await provisionDevServer(server, dir, home, options, seed, { port, proxyPort, authorityUrl, started, softHsm });
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** After the server listens: identities, vaults, the seed, grants, env files, and the banner. */
async function provisionDevServer(
  server: RunningServer,
  dir: string,
  home: Awaited<ReturnType<typeof prepareDevHome>>,
  options: DevOptions,
  seed: readonly SeedVault[],
  at: { port: number; proxyPort: number; authorityUrl: string; started: bigint; softHsm: DevSoftHsm | null },
): Promise<RunningServer> {
  const { port, proxyPort, authorityUrl, started, softHsm } = at;
  const identities = await ensureDevIdentities(dir, server.ctx.principals);
  const vaultNames = [DEV_DEFAULT_VAULT, ...(options.vaults ?? [])];
  await ensureDevDefaultVault(server.ctx.vaults, identities.clientId);
  for (const name of options.vaults ?? []) await server.ctx.vaults.ensure(name, identities.clientId);
  const seeded =
    seed.length > 0 ? await (await import("./dev-seed.js")).applySeed(server.ctx, seed, identities.clientId) : { vaults: [], created: 0 };
  const allVaults = [...new Set([...vaultNames, ...seeded.vaults].map((n) => n.toLowerCase()))];
  await ensureDevAccess(server.ctx.access, identities, allVaults);
  await ensureDevCertificateIssuer(server.ctx, allVaults);
  const files = writeDevEnvFiles({ home, identities, port, proxyPort, vaultName: DEV_DEFAULT_VAULT });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const throttling = options.throttle === "azure" ? "Azure's limits" : "the --throttle file's limits";
  await logStarted(server);
  if (!options.quiet) {
    process.stdout.write(
      [
        "",
        "  Keyhold is running in DEV MODE: a generated CA, master key and credentials live in",
        `  ${dir} — for development and CI only, never for production data.`,
        "",
        `  Vault API     https://${DEV_DEFAULT_VAULT}.vault.azure.net (through HTTPS_PROXY), https://localhost:${port}`,
        ...(vaultNames.length + seeded.vaults.length > 1
          ? [`  Vaults        ${[...new Set([...vaultNames, ...seeded.vaults])].join(", ")}`]
          : []),
        ...(options.seed ? [`  Seed          ${options.seed}: ${seeded.created} made now`] : []),
        `  Token issuer  ${authorityUrl} (AZURE_TENANT_ID=adfs)`,
        `  Dev user      ${identities.user.userName}  password: ${identities.user.password}  (rights as the service principal's)`,
        `  Dev proxy     http://127.0.0.1:${proxyPort} (tunnels vault hosts to this server, passes other hosts through)`,
        ...(server.metricsPort !== null
          ? [`  Metrics       http://127.0.0.1:${server.metricsPort}/metrics (no token: for a local scraper)`]
          : []),
        `  Certificates  issuer ${DEV_CERTIFICATE_ISSUER} signs with the built-in CA: https://localhost:${port}/keyhold/ca.pem`,
        ...(options.throttle && options.throttle !== "off" ? [`  Throttling    ${throttling}: 429 with Retry-After past them`] : []),
        `  Audit trail   ${auditWhere(options.audit ?? "file", dir)}`,
        `  HSM keys      ${hsmKeysWhere(softHsm)}`,
        "",
        "  Use it from a shell (unmodified Azure SDK programs then work):",
        `    source ${files.devEnv}      # service principal`,
        `    source ${files.devMiEnv}   # managed identity`,
        "",
        `Keyhold dev server ready at https://localhost:${port} in ${ms.toFixed(0)} ms`,
        "",
      ].join("\n"),
    );
  }
  return server;
}

/** Where -HSM keys live, for the banner: in the SoftHSM2 token (made by this start or an earlier one), or in software. */
function hsmKeysWhere(softHsm: DevSoftHsm | null): string {
  if (!softHsm)
    return (
      `RSA-HSM, EC-HSM and oct-HSM are accepted in premium vaults (${DEV_DEFAULT_VAULT} is one) ` +
      "but kept in SOFTWARE in dev mode (no HSM here)"
    );
  const made = softHsm.made ? ", made now" : "";
  return `-HSM keys in premium vaults live in the SoftHSM2 token ${softHsm.settings.tokenLabel} (${softHsm.dir}${made})`;
}

function auditWhere(sink: AuditSinkKind, dir: string): string {
  if (sink === "off") return "off (--audit off): requests leave no audit entries";
  if (sink === "stdout") return "on standard output, one JSON line per entry";
  if (sink === "postgres") return "the audit_entries table of --database (keyhold audit tail / verify --database URL)";
  return `${join(dir, "audit")} (keyhold audit tail / verify)`;
}
