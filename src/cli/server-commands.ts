import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { CliError } from "./cli-error.js";
import { registerDevFaultCommands } from "./dev-fault-commands.js";
import { THROTTLE_FLAGS, type ThrottleOption, parseThrottle, throttleSettingOf } from "./throttle-option.js";
import type { RunningServer } from "../server/start-server.js";
import { AUDIT_SINKS, type AuditSinkKind } from "../config/audit-setting.js";
import type { LogFormat, LogLevel } from "../config/serve-config-schema.js";
import { logStarted, stopLogged } from "../server/lifecycle-log.js";
import { parseInteger, parsePort } from "./options.js";

/**
 * Stops the server cleanly on SIGINT or SIGTERM. The handlers are in place before the server starts: a signal
 * sent as soon as it says it is ready would otherwise find none and kill the process outright.
 */
function stopOnSignals(starting: Promise<RunningServer>): Promise<RunningServer> {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    starting.then(
      (server) => stopLogged(server, signal).then((code) => process.exit(code)),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return starting;
}

/** Failures that stop a start because the HSM token cannot be opened or made: their message is the line to print. */
const HSM_START_FAILURES = new Set(["TokenSetupError", "SoftHsmSetupError"]);

function hsmStartFailure(error: unknown): never {
  if (error instanceof Error && HSM_START_FAILURES.has(error.name)) throw new CliError("HsmUnavailable", error.message);
  throw error;
}

const DATABASE_PASSWORD_NOTE =
  " Note: a password in the URL is visible to other users in `ps` (and in each worker's arguments): leave it out and set PGPASSWORD or use ~/.pgpass";

/** Says so when --database carries a password: the server still starts (it worked before), but the password is exposed. */
function warnOfPasswordIn(database: string | undefined): void {
  let password = "";
  try {
    password = database ? new URL(database).password : "";
  } catch {
    return; // not a URL: the command refuses it on its own
  }
  if (password)
    process.stderr.write(
      "warning: the password in --database is visible to other users in `ps`; leave it out of the URL and set PGPASSWORD (or use ~/.pgpass)\n",
    );
}

export function registerServerCommands(program: Command): void {
  const dev = program
    .command("dev")
    .description("Run a development server on the embedded SQLite store, with generated CA and credentials")
    .option("--data-dir <dir>", "where the store, CA, keys and env files live", ".keyhold")
    .option("--port <port>", "HTTPS port (0 picks a free one)", parsePort, 8443)
    .option("--proxy-port <port>", "dev CONNECT proxy port (default: port + 1000)", parsePort)
    .option("--workers <n>", "HTTPS worker processes sharing the port (node:cluster)", parseInteger, 1)
    .option(
      "--reset",
      "start from an empty store (vaults, principals, grants, the master key and the --hsm softhsm token with its keys go; " +
        "the CA stays)",
    )
    .option("--vault <names...>", "more vaults to make besides keyhold-dev")
    .option("--seed <file>", "a JSON or YAML file of vaults, secrets and keys to make unless they exist")
    .option(
      "--database <url>",
      `PostgreSQL (postgres://…) instead of DIR/keyhold.db; dev servers sharing DIR and the database form a cluster.${DATABASE_PASSWORD_NOTE}`,
    )
    .option("--background-interval-ms <ms>", "how often purge and automatic key rotation run", parseInteger, 5000)
    .option(
      "--metrics-port <port>",
      "also serve /metrics without a token over plain HTTP on 127.0.0.1:PORT (0 picks a free one)",
      parsePort,
    )
    .option(
      "--strict-api-versions",
      "refuse an api-version newer than the newest Keyhold knows (by default dev mode answers it as the newest, with a warning)",
    )
    .option(
      THROTTLE_FLAGS,
      "answer 429 past Azure Key Vault's limits (`azure`), or past the limits in a JSON file (docs/throttling.md); off by default",
      parseThrottle,
    )
    .addOption(
      new Option(
        "--audit <sink>",
        "the audit trail: files in DIR/audit, a table in --database's PostgreSQL, lines on standard output, or none (docs/audit.md)",
      )
        .choices(AUDIT_SINKS)
        .default("file"),
    )
    .addOption(
      new Option(
        "--hsm <token>",
        "keep -HSM keys of premium vaults in a token: softhsm makes a SoftHSM2 token in DIR/softhsm at the first start and uses it " +
          "at the next ones (needs softhsm2 installed; KEYHOLD_SOFTHSM_MODULE names its library if not in a usual place)",
      ).choices(["softhsm"]),
    )
    .addOption(
      new Option("--log-format <format>", "pretty: readable lines, coloured on a terminal unless NO_COLOR is set; json: pino's JSON lines")
        .choices(["pretty", "json"] satisfies LogFormat[])
        .default(process.stdout.isTTY ? "pretty" : "json", "pretty on a terminal, else json"),
    )
    .addOption(
      new Option("--log-level <level>", "info logs every request; warn, error and silent leave requests out")
        .choices(["silent", "error", "warn", "info"] satisfies LogLevel[])
        .default("info"),
    )
    .addHelpText(
      "after",
      '\nExamples:\n  npx keyhold dev\n  npx keyhold dev --data-dir /tmp/kh --port 9443 --vault app-vault other-vault\n  npx keyhold dev --reset --seed seed.yaml\n  npx keyhold dev --throttle azure\n  npx keyhold dev --hsm softhsm\n  eval "$(npx keyhold dev env)"\n\nSeed file (YAML or JSON; ${random:N}, ${uuid} and ${env:NAME} are filled in):\n  vaults:\n    - name: app-vault\n      secrets:\n        db-password: "${random:24}"\n      keys:\n        signer: { kty: EC, crv: P-256 }',
    )
    .action(
      async (options: {
        dataDir: string;
        port: number;
        proxyPort?: number;
        workers: number;
        reset?: boolean;
        vault?: string[];
        seed?: string;
        database?: string;
        backgroundIntervalMs: number;
        metricsPort?: number;
        strictApiVersions?: boolean;
        throttle?: ThrottleOption;
        audit: AuditSinkKind;
        logFormat: LogFormat;
        logLevel: LogLevel;
        hsm?: "softhsm";
      }) => {
        if (options.workers < 1 || options.workers > 64) throw new CliError("BadParameter", "--workers must be from 1 to 64");
        warnOfPasswordIn(options.database);
        const { throttle: throttleOption, ...rest } = options;
        const throttle = await throttleSettingOf(throttleOption, dev);
        const { runDev } = await import("../dev/run-dev.js");
        await stopOnSignals(
          runDev({ ...rest, ...(throttle && { throttle }), ...(options.vault && { vaults: options.vault }) }).catch(hsmStartFailure),
        );
      },
    );

  registerDevFaultCommands(dev);

  dev
    .command("env")
    .description('Print the dev environment as shell lines, for `eval "$(keyhold dev env)"`')
    .option("--managed-identity", "the managed identity's environment instead of the service principal's")
    .addHelpText("after", '\nExamples:\n  eval "$(keyhold dev env)"\n  eval "$(keyhold dev --data-dir /tmp/kh env --managed-identity)"')
    .action((options: { managedIdentity?: boolean }, command: Command) => {
      // --data-dir belongs to `dev` (given before or after `env`).
      const dataDir = command.parent!.opts<{ dataDir: string }>().dataDir;
      const file = join(dataDir, options.managedIdentity ? "dev-mi.env" : "dev.env");
      if (!existsSync(file))
        throw new CliError("NoDevServer", `${file} does not exist: start a dev server with \`keyhold dev --data-dir ${dataDir}\` first`);
      process.stdout.write(readFileSync(file, "utf8"));
    });

  program
    .command("serve")
    .description("Run in production mode from a config file (no generated credentials)")
    .requiredOption("--config <file>", "JSON config file (see README, Production)")
    .option(
      "--database <url>",
      `PostgreSQL (postgres://…) instead of the config's store, for several nodes on one database.${DATABASE_PASSWORD_NOTE}, or the config's "database": { "env": NAME }`,
    )
    .addHelpText(
      "after",
      '\nExamples:\n  KEYHOLD_MASTER_KEY=$(cat /run/secrets/mk) npx keyhold serve --config /etc/keyhold/config.json\n  npx keyhold serve --config /etc/keyhold/config.json --database "postgres://keyhold@db:5432/keyhold?sslmode=verify-full"',
    )
    .action(async (options: { config: string; database?: string }) => {
      const { loadServeConfig } = await import("../config/serve-config.js");
      const config = loadServeConfig(options.config);
      const { startServer } = await import("../server/start-server.js");
      if (options.database !== undefined && !/^postgres(ql)?:\/\//.test(options.database))
        throw new CliError("BadArgument", "--database must be a postgres:// URL");
      warnOfPasswordIn(options.database);
      const server = await stopOnSignals(
        startServer(options.database ? Object.freeze({ ...config, databaseUrl: options.database }) : config).catch(hsmStartFailure),
      );
      await logStarted(server);
      process.stdout.write(`Keyhold ready at https://${server.config.listenHost}:${server.port} (production mode)\n`);
    });

  program
    .command("bootstrap")
    .description(
      "Create a server administrator (a service principal with the Keyhold Administrator role at '/') directly in a production store and print its secret once",
    )
    .requiredOption("--config <file>", "the same config file `serve` uses")
    .option("--name <name>", "display name of the principal", "keyhold-admin")
    .addHelpText("after", "\nExample:\n  npx keyhold bootstrap --config /etc/keyhold/config.json --name ci-deployer")
    .action(async (options: { config: string; name: string }) => {
      const { loadServeConfig } = await import("../config/serve-config.js");
      const config = loadServeConfig(options.config);
      process.umask(0o077); // a store made here is for its owner only, as `serve` makes it
      const { openStore } = await import("../storage/open-store.js");
      const { PrincipalService } = await import("../identity/principal-service.js");
      const { AccessControl } = await import("../authz/access-control.js");
      const store = await openStore(config);
      try {
        const now = () => Math.floor(Date.now() / 1000);
        const created = await new PrincipalService(store, now).createServicePrincipal(options.name);
        await new AccessControl(store, now).createAssignment(
          { principalId: created.principal.id, role: "Keyhold Administrator", scope: "/" },
          "bootstrap",
        );
        process.stdout.write(
          `${JSON.stringify(
            {
              clientId: created.principal.id,
              clientSecret: created.clientSecret,
              tenantId: "adfs",
              authorityHost: config.authorityUrl,
              displayName: created.principal.displayName,
            },
            null,
            2,
          )}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
