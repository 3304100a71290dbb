import { z } from "zod";
import { metricsSettingSchema } from "./metrics-setting.js";
import { DEFAULT_BACKGROUND_INTERVAL_MS, DEFAULT_MAX_CONNECTIONS } from "./server-config.js";
import { throttleSettingSchema } from "./throttle-setting-schema.js";
import { auditSettingSchema } from "./audit-setting-schema.js";

/**
 * Every setting `keyhold serve --config FILE` reads: its type, bounds, default and meaning, in one place. The
 * loader validates with it, error messages and the README's table of settings are derived from it, and a unit
 * test keeps that table equal to it. Objects are strict: an unknown key (a typo) is an error, never ignored.
 *
 * `expected` (metadata) is how a value of the setting is described to people where its JSON type says too
 * little (a string of a given form).
 */

const LOG_LEVELS = ["silent", "error", "warn", "info"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A DNS name: labels of letters, digits and inner hyphens, at least two of them (`vault.example.com`). */
const DOMAIN = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i;
/** Vault names as Azure's: 3–24 letters, digits and dashes. */
const VAULT_NAME = /^[0-9a-zA-Z-]{3,24}$/;
/** The scheme and authority alone: clients append the token paths to it. */
const HTTPS_ORIGIN = /^https:\/\/[^/\s?#@]+\/?$/;
const POSTGRES_URL = /^postgres(ql)?:\/\//;

const filePath = z.string().min(1).meta({ expected: "file path" });
const variableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
  .meta({ expected: "environment variable name" });

/** The longest a key command may run: a KMS or secret store answers in seconds, or something is wrong. */
export const KEY_COMMAND_TIMEOUT_MS = 30_000;

/** How a secret's own sources describe it: what a file of it holds and what its command prints, after its name. */
interface SecretForm {
  file: string;
  command: string;
}

/**
 * Where a secret the config file must not hold itself comes from: a file, an environment variable, or a command's
 * standard output. `path` is the setting's path as the refusal of two sources at once names it.
 */
function secretSource(what: string, path: string, form: SecretForm) {
  return z
    .strictObject({
      file: filePath.optional().meta({
        description: `File of ${what}${form.file}; mode 0600, in a folder only its owner can write to`,
      }),
      env: variableName.optional().meta({ description: `Environment variable holding ${what} instead` }),
      command: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .meta({
          expected: "array of strings (program, then its arguments; no shell)",
          description: `Command whose standard output is ${what}${form.command}, run once at start; it must exit 0 within ${KEY_COMMAND_TIMEOUT_MS / 1000} s`,
        }),
    })
    .refine((secret) => [secret.file, secret.env, secret.command].filter((v) => v !== undefined).length === 1, {
      message: `give exactly one of ${path}file, ${path}env and ${path}command`,
    });
}

const masterKeySource = (what: string, path: string) =>
  secretSource(what, path, {
    file: ", 32 random bytes in base64 (`openssl rand -base64 32`)",
    command: " in base64 (a KMS or secret store's client)",
  });

/** A PKCS#11 token label: at most 32 bytes, which the token pads with spaces (so a label cannot end in one). */
const tokenLabel = z
  .string()
  .min(1)
  .refine((label) => Buffer.byteLength(label) <= 32 && label === label.trimEnd(), {
    message: "is not a token label (1–32 bytes, not ending in a space)",
  })
  .meta({ expected: "token label (1–32 bytes)" });

/** The PKCS#11 token that keeps the -HSM keys of premium vaults (docs/hsm.md); absent, there is none. */
const hsmSetting = z
  .strictObject({
    module: filePath.meta({
      description:
        "The token's PKCS#11 library (`/usr/lib/softhsm/libsofthsm2.so`, a cloud or network HSM's client library); " +
        "neither it nor its folder may be writable by group or others",
    }),
    tokenLabel: tokenLabel.meta({ description: "Label of the token that holds the keys (`softhsm2-util --show-slots` lists them)" }),
    pin: secretSource("the token user's PIN", "hsm.pin.", { file: "", command: " (a secret store's client)" }),
  })
  .optional();

export const serveConfigSchema = z.strictObject({
  listen: z
    .strictObject({
      host: z
        .string()
        .min(1)
        .default("0.0.0.0")
        .meta({ description: "Address to listen on: `0.0.0.0` every IPv4 interface, `127.0.0.1` this machine only" }),
      port: z.int().min(0).max(65535).default(8443).meta({ description: "TCP port to listen on (0 picks a free one)" }),
    })
    .prefault({}),
  authorityUrl: z
    .string()
    .regex(HTTPS_ORIGIN, { abort: true })
    .refine((url) => URL.canParse(url), { message: "is not a valid URL (is the port 65535 or less?)" })
    .meta({
      expected: "`https://HOST[:PORT]`",
      description:
        "How clients reach this server: their `AZURE_AUTHORITY_HOST` and `KEYHOLD_URL`, and the issuer of its tokens; vault URIs take its port",
    }),
  tls: z.strictObject({
    certFile: filePath.meta({
      description: "PEM certificate (then any intermediates) for the authority host and `*.DOMAIN` of each vault domain",
    }),
    keyFile: filePath.meta({ description: "PEM private key of that certificate; mode 0600, in a folder only its owner can write to" }),
  }),
  masterKey: masterKeySource("the master key", "masterKey."),
  previousMasterKeys: z.array(masterKeySource("a previous master key", "previousMasterKeys[].")).max(8).default([]).meta({
    expected: "array of `{ file }`, `{ env }` or `{ command }`, at most 8",
    description:
      "Master keys that sealed records before a rotation: they only open (docs/master-key.md); keep each until `keyhold master-key status` says done",
  }),
  storeFile: filePath
    .default("keyhold.db")
    .meta({ description: "The embedded SQLite store, made at the first start (mode 0600); unused with `database`" }),
  database: z
    .union([
      z.string().regex(POSTGRES_URL),
      z.strictObject({
        env: variableName.meta({ description: "Environment variable holding the PostgreSQL URL, so its password stays out of the file" }),
      }),
    ])
    .nullable()
    .default(null)
    .meta({
      expected: '`postgres://…` URL, `{ "env": NAME }` or null',
      description: "PostgreSQL instead of the embedded store (several nodes on one database); null: the embedded store",
    }),
  vaultDomains: z
    .array(z.string().regex(DOMAIN).meta({ expected: "DNS name of two labels or more" }))
    .min(1)
    .meta({
      expected: "array of DNS names (`vault.example.com`), at least one",
      description: "Vaults are reached as `NAME.<domain>` for each; the first makes the vault URIs `vault show` gives",
    }),
  defaultVault: z.string().regex(VAULT_NAME).nullable().default(null).meta({
    expected: "vault name (3–24 of `0-9a-zA-Z-`) or null",
    description: "The vault that requests to `localhost` or an IP address reach; null: none",
  }),
  tokenLifetimeSeconds: z.int().min(300).max(86_400).default(3600).meta({ description: "Lifetime of the access tokens the server issues" }),
  workers: z
    .int()
    .min(1)
    .max(64)
    .default(1)
    .meta({ description: "HTTPS worker processes sharing the port (node:cluster); 1 serves from the main process" }),
  backgroundIntervalMs: z
    .int()
    .min(100)
    .max(3_600_000)
    .default(DEFAULT_BACKGROUND_INTERVAL_MS)
    .meta({ description: "How often purge and automatic key rotation run (on one node)" }),
  maxConnections: z
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_MAX_CONNECTIONS)
    .meta({ description: "Open connections each serving process accepts; more are refused at once" }),
  logLevel: z
    .enum(LOG_LEVELS)
    .default("info")
    .meta({ description: "What the server logs on standard output: `info` has one line per request, `warn` and `error` leave them out" }),
  logFormat: z
    .enum(LOG_FORMATS)
    .default("json")
    .meta({ description: "`json`: one JSON object per line (pino's), for a log collector; `pretty`: one readable line each, for people" }),
  throttle: throttleSettingSchema,
  console: z
    .boolean()
    .default(true)
    .meta({ description: "Serve the web console at `/` of the server (docs/console.md); false: not at all" }),
  audit: auditSettingSchema.meta({ description: "The audit trail of every request (docs/audit.md)" }),
  metrics: metricsSettingSchema,
  hsm: hsmSetting,
});

/** A config file's settings once validated, with every default filled in. */
export type ServeConfigFile = z.output<typeof serveConfigSchema>;
