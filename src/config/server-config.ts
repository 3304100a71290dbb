import type { LogFormat, LogLevel } from "./serve-config-schema.js";
import type { ThrottleSetting } from "./throttle-setting.js";
import type { MetricsListen } from "./metrics-setting.js";
import type { AuditSetting } from "./audit-setting.js";

/** The one validated, frozen configuration a server runs with, whether from dev flags or a config file. */
export interface ServerConfig {
  mode: "dev" | "production";
  /** Address to listen on (dev: localhost only). */
  listenHost: string;
  port: number;
  /** Dev only: the loopback CONNECT proxy port (docs/clients.md §5), or null for none. */
  proxyPort: number | null;
  /** The SQLite file of the embedded store. */
  storeFile: string;
  /** A PostgreSQL connection URL (`postgres://user:password@host:5432/db?sslmode=require`): several nodes, one database. Null for the embedded store. */
  databaseUrl: string | null;
  tls: { cert: string; key: string };
  masterKey: Buffer;
  /** Master keys that sealed records before a rotation: they open, never seal (docs/master-key.md). None in dev mode. */
  previousMasterKeys?: readonly Buffer[];
  /** Vaults are `NAME.<domain>` for each of these. */
  vaultDomains: string[];
  /** Base URL of the token issuer as clients set AZURE_AUTHORITY_HOST, e.g. https://localhost:8443. */
  authorityUrl: string;
  /** How clients address a vault, for `vault show` (e.g. https://{name}.vault.azure.net). */
  vaultUriTemplate: string;
  /** The vault that plain `localhost` and IP requests reach, or null. */
  defaultVault: string | null;
  tokenLifetimeSeconds: number;
  /** How often the background work (purge, automatic rotation) runs, in milliseconds. */
  backgroundIntervalMs: number;
  /** HTTPS worker processes (node:cluster); 1 serves from this process. */
  workers: number;
  /**
   * Open connections each serving process accepts; more are refused at once (a slow or hostile client cannot
   * exhaust memory or descriptors).
   */
  maxConnections: number;
  logLevel: LogLevel;
  /** JSON lines for a log collector, or readable lines for people (server-logger.ts). */
  logFormat: LogFormat;
  /** Dev mode's leniency: an api-version newer than the newest Keyhold knows is answered as the newest (api-version.ts). */
  serveNewerApiVersions: boolean;
  /** Whether the server serves the web console at `/` (default: it does). */
  console?: boolean;
  /** Data-plane throttling: Azure's limits, none, or the operator's own (throttle-setting.ts). */
  throttle: ThrottleSetting;
  /** The plain-HTTP listener of `/metrics` for a scraper, without a token; null or absent for none. */
  metricsListen?: MetricsListen | null;
  /** The audit trail: its sink and where its files go (audit-setting.ts); absent, the audit is off. */
  audit?: AuditSetting;
  /**
   * The PKCS#11 token that keeps premium vaults' -HSM keys: its library, the label of the token and the user's PIN
   * (which travels to cluster workers over the IPC channel only). Null: no token, and production refuses -HSM keys.
   */
  hsm: { module: string; tokenLabel: string; pin: string } | null;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_BACKGROUND_INTERVAL_MS = 5_000;
export const DEFAULT_MAX_CONNECTIONS = 10_000;
