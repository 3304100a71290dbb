import { createPrivateKey, X509Certificate } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { describeIssues } from "./config-issues.js";
import { metricsListenOf } from "./metrics-setting.js";
import { ConfigError } from "./config-error.js";
import { parseMasterKey } from "./master-key.js";
import { KEY_COMMAND_TIMEOUT_MS, serveConfigSchema, type ServeConfigFile } from "./serve-config-schema.js";
import type { ServerConfig } from "./server-config.js";

/** The file's settings, validated, with their defaults. */
function readSettings(file: string): ServeConfigFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "cannot be read (permission denied)" : "cannot be read";
    throw new ConfigError(`${file} ${why}: give the path of the JSON config file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${file}: not valid JSON${jsonErrorAt(text, (error as Error).message)} (JSON has no comments and no trailing commas)`,
    );
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new ConfigError(`${file}: must hold one JSON object of settings`);
  const result = serveConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(`${file}: ${describeIssues(result.error.issues, raw).join("; ")}`);
}

/** Where JSON.parse failed, as ` at line L, column C`: its own message may quote the text, which may hold a password. */
function jsonErrorAt(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message);
  if (!position) return "";
  const before = text.slice(0, Number(position[1])).split("\n");
  return ` at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** The config file being read: where its relative paths lead, and how a problem with one of its settings is reported. */
interface ConfigSource {
  file: string;
  env: NodeJS.ProcessEnv;
  at(path: string): string;
  fail(setting: string, problem: string): never;
}

/**
 * A key file only its owner can read, in a directory others cannot write to (where anyone could swap the file
 * or plant a link before Keyhold reads it).
 */
function readOwnerOnly(source: ConfigSource, setting: string, path: string): Buffer {
  let mode = 0;
  let folderMode = 0;
  try {
    mode = statSync(path).mode;
    folderMode = statSync(dirname(path)).mode;
  } catch {
    source.fail(setting, `${path} cannot be read (a relative path is relative to the config file)`);
  }
  if ((mode & 0o077) !== 0) source.fail(setting, `${path} is readable by group or others (chmod 600 it)`);
  if ((folderMode & 0o022) !== 0) {
    source.fail(setting, `${path} is in a folder that group or others can write to: keep it in one only its owner can change`);
  }
  return readFileSync(path);
}

type SecretSetting = ServeConfigFile["masterKey"];

/** How errors about a secret name it: what it must be (`the master key in base64`), and what it is for. */
interface SecretNeed {
  printed: string;
  held: string;
}

const MASTER_KEY_NEED: SecretNeed = { printed: "the master key in base64", held: "the master key, the same at every start" };
const PIN_NEED: SecretNeed = { printed: "the token user's PIN", held: "the token user's PIN" };

/** A secret's text from the file, the environment variable or the command the setting at `path` names, and that source's setting. */
function secretTextOf(source: ConfigSource, path: string, setting: SecretSetting, need: SecretNeed): { text: string; where: string } {
  if (setting.file !== undefined) {
    const where = `${path}.file`;
    return { text: readOwnerOnly(source, where, source.at(setting.file)).toString("utf8"), where };
  }
  if (setting.env !== undefined) {
    const where = `${path}.env`;
    const text = source.env[setting.env];
    if (!text) source.fail(where, `the environment variable ${setting.env} is not set (it must hold ${need.held})`);
    return { text, where };
  }
  const where = `${path}.command`;
  return { text: keyCommandOutput(source, where, setting.command!, need), where };
}

/** A master key from the file, the environment variable or the command the setting at `path` names. */
function masterKeyOf(source: ConfigSource, path: string, setting: SecretSetting): Buffer {
  const { text, where } = secretTextOf(source, path, setting, MASTER_KEY_NEED);
  try {
    return parseMasterKey(text);
  } catch (error) {
    return source.fail(where, (error as ConfigError).message);
  }
}

/**
 * Runs a key command (no shell) and answers its standard output. Its standard error goes to ours, so that the
 * operator sees the tool's own complaint; its output, the secret, is never repeated in an error.
 */
function keyCommandOutput(source: ConfigSource, where: string, command: readonly string[], need: SecretNeed): string {
  const [program, ...args] = command as [string, ...string[]];
  const run = spawnSync(program, args, {
    cwd: source.at("."),
    env: source.env,
    stdio: ["ignore", "pipe", "inherit"],
    timeout: KEY_COMMAND_TIMEOUT_MS,
    maxBuffer: 64 * 1024,
    encoding: "utf8",
  });
  const code = run.error && "code" in run.error ? String(run.error.code) : undefined;
  if (code === "ENOENT") source.fail(where, `${program} was not found (give its path, or put it on PATH)`);
  if (code === "ETIMEDOUT" || run.signal === "SIGTERM")
    source.fail(where, `${program} did not finish within ${KEY_COMMAND_TIMEOUT_MS / 1000} s`);
  if (run.error) source.fail(where, `${program} could not be run (${code ?? "failed"})`);
  if (run.status !== 0) source.fail(where, `${program} exited with status ${run.status ?? run.signal} (its own message is above)`);
  if (!run.stdout.trim()) source.fail(where, `${program} wrote nothing: it must print ${need.printed}`);
  return run.stdout;
}

/** The previous master keys, each read as the current one is; they only open what they sealed. */
function previousMasterKeysOf(source: ConfigSource, settings: readonly SecretSetting[]): Buffer[] {
  return settings.map((setting, i) => masterKeyOf(source, `previousMasterKeys[${i}]`, setting));
}

/** The certificate and its private key, which must be the certificate's. */
function tlsOf(source: ConfigSource, setting: ServeConfigFile["tls"]): { cert: string; key: string } {
  const certFile = source.at(setting.certFile);
  const keyFile = source.at(setting.keyFile);
  let cert = "";
  let certificate: X509Certificate | undefined;
  try {
    cert = readFileSync(certFile, "utf8");
    certificate = new X509Certificate(cert);
  } catch {
    source.fail("tls.certFile", `${certFile} is not a readable PEM certificate`);
  }
  const key = readOwnerOnly(source, "tls.keyFile", keyFile).toString("utf8");
  let matches = false;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(key));
  } catch {
    source.fail("tls.keyFile", `${keyFile} is not an unencrypted PEM private key`);
  }
  if (!matches) source.fail("tls.keyFile", `${keyFile} is not the private key of the certificate in tls.certFile`);
  return { cert, key };
}

/** The PostgreSQL URL from the config (`database`: a URL or `{ "env": NAME }`), or null for the embedded store. */
function databaseUrlOf(source: ConfigSource, database: ServeConfigFile["database"]): string | null {
  if (database === null || typeof database === "string") return database;
  const url = source.env[database.env];
  if (!url) source.fail("database.env", `the environment variable ${database.env} is not set (it must hold the postgres:// URL)`);
  if (!/^postgres(ql)?:\/\//.test(url))
    source.fail("database.env", `the environment variable ${database.env} does not hold a postgres:// URL`);
  return url;
}

/**
 * The PKCS#11 library is code this process runs with its keys: like a key file, it must be changeable by its owner
 * only (the file a link leads to, and that file's folder).
 */
function tokenModuleOf(source: ConfigSource, setting: string): string {
  const module = source.at(setting);
  let real = module;
  try {
    real = realpathSync(module);
    if (!statSync(real).isFile()) source.fail("hsm.module", `${module} is not a file: give the path of the token's PKCS#11 library`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    source.fail(
      "hsm.module",
      `${module} does not exist: install the token's PKCS#11 library or give its path (a relative path is relative to the config file)`,
    );
  }
  for (const path of [real, dirname(real)]) {
    if ((statSync(path).mode & 0o022) !== 0)
      source.fail("hsm.module", `${path} is writable by group or others: a library Keyhold loads must be changeable by its owner only`);
  }
  return module;
}

/** The token settings with the PIN read from its source (surrounding white space is not part of it), or null for no token. */
function hsmOf(source: ConfigSource, setting: ServeConfigFile["hsm"]): ServerConfig["hsm"] {
  if (setting === undefined) return null;
  const module = tokenModuleOf(source, setting.module);
  const { text, where } = secretTextOf(source, "hsm.pin", setting.pin, PIN_NEED);
  const pin = text.trim();
  if (!pin) source.fail(where, "the PIN is empty");
  return { module, tokenLabel: setting.tokenLabel, pin };
}

/**
 * Production configuration from a JSON file, validated by its schema (serve-config-schema.ts). Refuses to start
 * without a master key from outside the store (a file readable only by its owner, or an environment variable)
 * and a TLS certificate with its key, and refuses unsafe settings. Example in the README ("Production").
 */
export function loadServeConfig(file: string, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const settings = readSettings(file);
  const source: ConfigSource = {
    file,
    env,
    at: (path) => (isAbsolute(path) ? path : resolve(dirname(file), path)),
    fail: (setting, problem) => {
      throw new ConfigError(`${file}: ${setting}: ${problem}`);
    },
  };
  const authorityUrl = settings.authorityUrl.replace(/\/$/, "");
  // Vaults are reached on the port clients reach the server on, which authorityUrl names (none for 443).
  const publicPort = new URL(authorityUrl).port;
  return Object.freeze({
    mode: "production",
    serveNewerApiVersions: false,
    listenHost: settings.listen.host,
    port: settings.listen.port,
    proxyPort: null,
    // In this order, so that the first problem reported is the weightiest.
    masterKey: masterKeyOf(source, "masterKey", settings.masterKey),
    previousMasterKeys: previousMasterKeysOf(source, settings.previousMasterKeys),
    tls: tlsOf(source, settings.tls),
    storeFile: source.at(settings.storeFile),
    databaseUrl: databaseUrlOf(source, settings.database),
    vaultDomains: settings.vaultDomains,
    authorityUrl,
    vaultUriTemplate: `https://{name}.${settings.vaultDomains[0]}${publicPort ? `:${publicPort}` : ""}`,
    defaultVault: settings.defaultVault,
    tokenLifetimeSeconds: settings.tokenLifetimeSeconds,
    workers: settings.workers,
    backgroundIntervalMs: settings.backgroundIntervalMs,
    maxConnections: settings.maxConnections,
    logLevel: settings.logLevel,
    logFormat: settings.logFormat,
    throttle: settings.throttle,
    console: settings.console,
    metricsListen: metricsListenOf(settings.metrics.listen),
    audit: { ...settings.audit, dir: source.at(settings.audit.dir ?? join(dirname(settings.storeFile), "audit")) },
    hsm: hsmOf(source, settings.hsm),
  });
}
