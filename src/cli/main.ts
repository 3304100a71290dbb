import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { registerAccessCommands } from "./access-commands.js";
import { registerAuditCommands } from "./audit-commands.js";
import { registerCertificateCommands } from "./certificate-commands.js";
import { registerCompletionCommand } from "./completion-command.js";
import { commandPathOf, errorLine, usageErrorLine } from "./error-line.js";
import { addExamples } from "./examples.js";
import { OUTPUT_FORMATS, type OutputFormat, setOutput } from "./output.js";
import { registerKeyCommands } from "./key-commands.js";
import { registerMasterKeyCommands } from "./master-key-commands.js";
import { registerPrincipalCommands } from "./principal-commands.js";
import { registerRunCommand } from "./run-command.js";
import { registerSecretCommands } from "./secret-commands.js";
import { registerSessionCommands } from "./session-commands.js";
import { registerServerCommands } from "./server-commands.js";
import { registerVaultCommands } from "./vault-commands.js";

/** The version in package.json (dist/src/cli/main.js is three folders below it). */
function keyholdVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

async function runCli(): Promise<void> {
  const program = new Command("keyhold")
    .description("Keyhold: a self-hosted key and secret vault that speaks the Azure Key Vault REST API")
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("json"))
    .option("--query <jmespath>", "a JMESPath expression applied to the result, as az's --query")
    .option("--debug", "print the stack of an error")
    // Usage errors are one line too, with the way to the command's help.
    .configureOutput({ outputError: (text, write) => write(usageErrorLine(text, commandPathOf(program, args))) })
    .hook("preAction", (_program, action) => {
      const o = action.optsWithGlobals<{ output: OutputFormat; query?: string }>();
      setOutput({ output: o.output, ...(o.query !== undefined && { query: o.query }) });
    });
  registerServerCommands(program);
  registerVaultCommands(program);
  registerSecretCommands(program);
  registerKeyCommands(program);
  registerCertificateCommands(program);
  registerPrincipalCommands(program);
  registerAccessCommands(program);
  registerMasterKeyCommands(program);
  registerAuditCommands(program);
  registerRunCommand(program);
  registerSessionCommands(program);
  registerCompletionCommand(program);
  addExamples(program);
  // `keyhold --version` alone: a program-wide --version option would take `secret show --version VER` too.
  program.addHelpText("after", "\nkeyhold --version (or -V) prints Keyhold's version.");
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    process.stdout.write(`${keyholdVersion()}\n`);
    return;
  }
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    // One line, never a stack trace unless --debug.
    process.stderr.write(errorLine(error, commandPathOf(program, args)));
    if (program.opts().debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
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
