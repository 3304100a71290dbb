import { Command } from "commander";
import { CliError } from "./keyhold-client.js";
import { registerServerCommands } from "./server-commands.js";
import { registerVaultCommands } from "./vault-commands.js";

const program = new Command("keyhold")
  .description("Keyhold: a self-hosted key and secret vault that speaks the Azure Key Vault REST API")
  .showHelpAfterError();
registerServerCommands(program);
registerVaultCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof CliError ? `(${error.code}) ${error.message}` : error instanceof Error ? error.message : String(error);
  process.stderr.write(`ERROR: ${message}\n`);
  process.exitCode = 1;
});
