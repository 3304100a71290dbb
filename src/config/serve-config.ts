import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { DEFAULT_BACKGROUND_INTERVAL_MS, DEFAULT_MAX_CONNECTIONS, type ServerConfig } from "./server-config.js";

/**
 * Production configuration from a JSON file. Refuses to start without a master key from outside the store
 * (a file readable only by its owner, or an environment variable) and a TLS certificate and key, and refuses
 * unsafe settings. Example in the README ("Production").
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

interface RawConfig {
  listen?: { host?: string; port?: number };
  authorityUrl?: string;
  tls?: { certFile?: string; keyFile?: string };
  masterKey?: { file?: string; env?: string };
  storeFile?: string;
  /** PostgreSQL instead of the embedded store: a URL, or `{ "env": NAME }` to read it (with its password) from the environment. */
  database?: string | { env?: string };
  vaultDomains?: string[];
  defaultVault?: string | null;
  tokenLifetimeSeconds?: number;
  workers?: number;
  backgroundIntervalMs?: number;
  maxConnections?: number;
  logLevel?: ServerConfig["logLevel"];
}

function fail(message: string): never {
  throw new ConfigError(message);
}

/**
 * A key file only its owner can read, in a directory others cannot write to (where anyone could swap the file
 * or plant a link before Keyhold reads it).
 */
function readOwnerOnly(path: string, what: string): Buffer {
  let mode: number;
  let folderMode: number;
  try {
    mode = statSync(path).mode;
    folderMode = statSync(dirname(path)).mode;
  } catch {
    fail(`${what} file ${path} cannot be read`);
  }
  if ((mode & 0o077) !== 0) fail(`${what} file ${path} is readable by group or others (chmod 600 it)`);
  if ((folderMode & 0o022) !== 0) fail(`${what} file ${path} is in a folder that group or others can write to: keep it in one only its owner can change`);
  return readFileSync(path);
}

export function parseMasterKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) fail("the master key must be 32 random bytes, base64 encoded (e.g. `openssl rand -base64 32`)");
  // A key of one repeated byte (all zeros, say) is a placeholder, not a random key.
  if (key.every((byte) => byte === key[0])) fail("the master key is one byte repeated, not 32 random bytes (make one with `openssl rand -base64 32`)");
  return key;
}

/** A DNS name: labels of letters, digits and inner hyphens, at least two of them (`vault.example.com`). */
const DOMAIN = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i;

/** Every setting the file may hold, and those of its objects: anything else is a typo to report, never to ignore. */
const SETTINGS: Record<string, readonly string[]> = {
  "": [
    "listen",
    "authorityUrl",
    "tls",
    "masterKey",
    "storeFile",
    "database",
    "vaultDomains",
    "defaultVault",
    "tokenLifetimeSeconds",
    "workers",
    "backgroundIntervalMs",
    "maxConnections",
    "logLevel",
  ],
  listen: ["host", "port"],
  tls: ["certFile", "keyFile"],
  masterKey: ["file", "env"],
  database: ["env"],
};
const LOG_LEVELS: readonly string[] = ["silent", "error", "warn", "info"];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function checkSettings(raw: unknown): asserts raw is RawConfig {
  if (!isObject(raw)) fail("the config file must hold one JSON object");
  for (const [section, known] of Object.entries(SETTINGS)) {
    const object = section === "" ? raw : raw[section];
    if (section !== "" && !isObject(object)) continue;
    for (const key of Object.keys(object as object)) {
      if (!known.includes(key)) fail(`unknown setting '${section ? `${section}.` : ""}${key}' (known: ${known.join(", ")})`);
    }
  }
  if (raw.logLevel !== undefined && !LOG_LEVELS.includes(raw.logLevel as string)) fail(`logLevel must be one of ${LOG_LEVELS.join(", ")}`);
}

export function loadServeConfig(file: string, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  let raw: RawConfig;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    checkSettings(parsed);
    raw = parsed;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    fail(`cannot read the config file ${file}: ${(error as Error).message}`);
  }
  const at = (p: string) => (isAbsolute(p) ? p : resolve(dirname(file), p));

  if (!raw.masterKey?.file && !raw.masterKey?.env) fail("masterKey.file or masterKey.env is required: production mode never makes its own master key");
  let masterKey: Buffer;
  if (raw.masterKey.file) {
    masterKey = parseMasterKey(readOwnerOnly(at(raw.masterKey.file), "master key").toString("utf8"));
  } else {
    const value = env[raw.masterKey.env!];
    if (!value) fail(`the environment variable ${raw.masterKey.env} named by masterKey.env is not set`);
    masterKey = parseMasterKey(value);
  }

  if (!raw.tls?.certFile || !raw.tls.keyFile) fail("tls.certFile and tls.keyFile are required: production mode serves only TLS");
  const cert = readFileSync(at(raw.tls.certFile), "utf8");
  const key = readOwnerOnly(at(raw.tls.keyFile), "TLS key").toString("utf8");

  const port = raw.listen?.port ?? 8443;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail("listen.port must be a TCP port");
  const authorityUrl = (raw.authorityUrl ?? "").replace(/\/$/, "");
  if (!/^https:\/\/[^/\s]+$/.test(authorityUrl)) fail("authorityUrl is required and must be https://HOST[:PORT] (clients' AZURE_AUTHORITY_HOST)");
  const vaultDomains = raw.vaultDomains ?? [];
  if (vaultDomains.length === 0 || !vaultDomains.every((d) => typeof d === "string" && DOMAIN.test(d))) {
    fail("vaultDomains must list at least one DNS domain of two labels or more (vault.example.com)");
  }
  const lifetime = raw.tokenLifetimeSeconds ?? 3600;
  if (!Number.isInteger(lifetime) || lifetime < 300 || lifetime > 86_400) fail("tokenLifetimeSeconds must be between 300 and 86400");

  const workers = raw.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) fail("workers must be an integer from 1 to 64");
  const databaseUrl = databaseUrlOf(raw.database, env);
  const backgroundIntervalMs = raw.backgroundIntervalMs ?? DEFAULT_BACKGROUND_INTERVAL_MS;
  if (!Number.isInteger(backgroundIntervalMs) || backgroundIntervalMs < 100 || backgroundIntervalMs > 3_600_000) fail("backgroundIntervalMs must be from 100 to 3600000");
  const maxConnections = raw.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 1_000_000) fail("maxConnections must be from 1 to 1000000");

  // Vaults are reached on the port clients reach the server on, which authorityUrl names (none for 443).
  const publicPort = new URL(authorityUrl).port;
  return Object.freeze({
    mode: "production",
    serveNewerApiVersions: false,
    listenHost: raw.listen?.host ?? "0.0.0.0",
    port,
    proxyPort: null,
    storeFile: at(raw.storeFile ?? "keyhold.db"),
    databaseUrl,
    tls: { cert, key },
    masterKey,
    vaultDomains,
    authorityUrl,
    vaultUriTemplate: `https://{name}.${vaultDomains[0]}${publicPort ? `:${publicPort}` : ""}`,
    defaultVault: raw.defaultVault ?? null,
    tokenLifetimeSeconds: lifetime,
    workers,
    backgroundIntervalMs,
    maxConnections,
    logLevel: raw.logLevel ?? "info",
  });
}

/** The PostgreSQL URL from the config (`database`: a URL or `{ "env": NAME }`), or null for the embedded store. */
function databaseUrlOf(database: RawConfig["database"], env: NodeJS.ProcessEnv): string | null {
  if (database === undefined || database === null) return null;
  const url = typeof database === "string" ? database : database.env ? env[database.env] : undefined;
  if (typeof database === "object" && !url) fail(`the environment variable ${database.env ?? "(none named)"} named by database.env is not set`);
  if (!url || !/^postgres(ql)?:\/\//.test(url)) fail("database must be a postgres:// URL (or { \"env\": NAME } naming one)");
  return url;
}
