import cluster from "node:cluster";
import { Command } from "commander";
import { registerAccessCommands } from "./access-commands.js";
import { CliError } from "./keyhold-client.js";
import { registerPrincipalCommands } from "./principal-commands.js";
import { registerServerCommands } from "./server-commands.js";
import { registerVaultCommands } from "./vault-commands.js";

async function runCli(): Promise<void> {
  const program = new Command("keyhold")
    .description("Keyhold: a self-hosted key and secret vault that speaks the Azure Key Vault REST API")
    .showHelpAfterError();
  registerServerCommands(program);
  registerVaultCommands(program);
  registerPrincipalCommands(program);
  registerAccessCommands(program);
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const message = error instanceof CliError ? `(${error.code}) ${error.message}` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`ERROR: ${message}\n`);
    process.exitCode = 1;
  }
}

if (cluster.isWorker) {
  // A worker of `keyhold dev|serve` with several workers: it gets its config from the primary.
  const { runWorker } = await import("../server/start-server.js");
  await runWorker();
} else {
  await runCli();
}
