import type { Command } from "commander";
import { ConfigError, loadServeConfig } from "../config/serve-config.js";
import type { RunningServer } from "../server/start-server.js";
import { parseInteger, parsePort } from "./options.js";

function stopOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

export function registerServerCommands(program: Command): void {
  program
    .command("dev")
    .description("Run a development server on the embedded SQLite store, with generated CA and credentials")
    .option("--data-dir <dir>", "where the store, CA, keys and env files live", ".keyhold")
    .option("--port <port>", "HTTPS port (0 picks a free one)", parsePort, 8443)
    .option("--proxy-port <port>", "dev CONNECT proxy port (default: port + 1000)", parsePort)
    .option("--workers <n>", "HTTPS worker processes sharing the port (node:cluster)", parseInteger, 1)
    .addHelpText("after", "\nExamples:\n  npx keyhold dev\n  npx keyhold dev --data-dir /tmp/kh --port 9443\n  source .keyhold/dev.env")
    .action(async (options: { dataDir: string; port: number; proxyPort?: number; workers: number }) => {
      if (options.workers < 1 || options.workers > 64) throw new Error("--workers must be from 1 to 64");
      const { runDev } = await import("../dev/run-dev.js");
      stopOnSignals(await runDev(options));
    });

  program
    .command("serve")
    .description("Run in production mode from a config file (no generated credentials)")
    .requiredOption("--config <file>", "JSON config file (see README, Production)")
    .addHelpText("after", "\nExample:\n  KEYHOLD_MASTER_KEY=$(cat /run/secrets/mk) npx keyhold serve --config /etc/keyhold/config.json")
    .action(async (options: { config: string }) => {
      try {
        const { startServer } = await import("../server/start-server.js");
        const server = await startServer(loadServeConfig(options.config));
        process.stdout.write(`Keyhold ready at https://${server.config.listenHost}:${server.port} (production mode)\n`);
        stopOnSignals(server);
      } catch (error) {
        if (error instanceof ConfigError) throw new Error(`refusing to start: ${error.message}`);
        throw error;
      }
    });

  program
    .command("bootstrap")
    .description("Create a server administrator (a service principal with the Keyhold Administrator role at '/') directly in a production store and print its secret once")
    .requiredOption("--config <file>", "the same config file `serve` uses")
    .option("--name <name>", "display name of the principal", "keyhold-admin")
    .addHelpText("after", "\nExample:\n  npx keyhold bootstrap --config /etc/keyhold/config.json --name ci-deployer")
    .action(async (options: { config: string; name: string }) => {
      const config = loadServeConfig(options.config);
      const { SqliteStore } = await import("../storage/sqlite/sqlite-store.js");
      const { PrincipalService } = await import("../identity/principal-service.js");
      const { AccessControl } = await import("../authz/access-control.js");
      const store = SqliteStore.open(config.storeFile);
      try {
        const now = () => Math.floor(Date.now() / 1000);
        const created = await new PrincipalService(store, now).createServicePrincipal(options.name);
        await new AccessControl(store, now).createAssignment({ principalId: created.principal.id, role: "Keyhold Administrator", scope: "/" }, "bootstrap");
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
