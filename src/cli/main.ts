import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { commandPathOf, errorLine, usageErrorLine } from "./error-line.js";
import { addExamples } from "./examples.js";
import { OUTPUT_FORMATS, type OutputFormat, setOutput } from "./output.js";
import { commandGroupsFor } from "./command-groups.js";

/** The version in package.json (dist/src/cli/main.js is three folders below it). */
function keyholdVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

async function runCli(): Promise<void> {
  const args = process.argv.slice(2);
  const program = new Command("keyhold")
    .description("Keyhold: a self-hosted key and secret vault that speaks the Azure Key Vault REST API")
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("json"))
    .option("--query <jmespath>", "a JMESPath expression applied to the result, as az's --query")
    .option("--debug", "print the stack of an error")
    // Usage errors are one line too, with the way to the command's help.
    .configureOutput({ outputError: (text, write) => write(usageErrorLine(text, commandPathOf(program, args))) })
    .hook("preAction", async (_program, action) => {
      const o = action.optsWithGlobals<{ output: OutputFormat; query?: string }>();
      await setOutput({ output: o.output, ...(o.query !== undefined && { query: o.query }) });
    });
  // `keyhold --version` alone: a program-wide --version option would take `secret show --version VER` too.
  program.addHelpText("after", "\nkeyhold --version (or -V) prints Keyhold's version.");
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    process.stdout.write(`${keyholdVersion()}\n`);
    return;
  }
  for (const register of await Promise.all(commandGroupsFor(args).map((group) => group.load()))) register(program);
  addExamples(program);
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
