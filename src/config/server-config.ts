import type { LogLevel } from "./serve-config-schema.js";

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
  /** Dev mode's leniency: an api-version newer than the newest Keyhold knows is answered as the newest (api-version.ts). */
  serveNewerApiVersions: boolean;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_BACKGROUND_INTERVAL_MS = 5_000;
export const DEFAULT_MAX_CONNECTIONS = 10_000;
