import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import { hintFor } from "./error-hints.js";
import { fileFailure, isErrnoError } from "./file-failure.js";

/**
 * Errors of the servers `keyhold dev|serve|bootstrap` start, told apart by their class name: importing their
 * modules here, for `instanceof`, would load the server into every command.
 */
const SERVER_ERRORS: Record<string, string> = {
  ConfigError: "ConfigInvalid",
  SeedError: "SeedInvalid",
  StoreUnavailableError: "StoreUnavailable",
  KeyMaterialError: "KeyMaterialInvalid",
};

/** V8's message for bad JSON may quote the text around the fault (`Unexpected token 'x', "…" is not valid JSON`): it may be a secret. */
function invalidJson(error: SyntaxError): CliError {
  return new CliError("BadParameter", `the JSON given is not valid: ${error.message.replace(/, ".*" is not valid JSON$/s, "")}`);
}

/** Any failure as one of the CLI's errors: every one gets a code; one the CLI did not foresee is an InternalError. */
export function asCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (isErrnoError(error)) {
    const { code, path } = error;
    if (code === "EADDRINUSE") {
      const { address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
      return new CliError("AddressInUse", `${address ?? "the address"}:${port ?? "?"} is already in use`);
    }
    if (path) return fileFailure(error, path);
  }
  if (error instanceof Error) {
    const code = SERVER_ERRORS[error.name];
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    if (code) return new CliError(code, `${error.message}${cause}`);
    if (error instanceof SyntaxError && error.message.includes("JSON")) return invalidJson(error);
    return new CliError("InternalError", `${error.name}: ${error.message}`);
  }
  return new CliError("InternalError", String(error));
}

/** The help command of the command that ran, e.g. `keyhold secret show --help` (quoted). */
const helpOf = (commandPath: readonly string[]): string => `\`keyhold ${[...commandPath, "--help"].join(" ")}\``;

/** A hint ends as a sentence: with a full stop unless it asks. */
const sentence = (text: string): string => (/[.?!]$/.test(text) ? text : `${text}.`);

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim();

/** The CLI's one error line, `ERROR: (Code) message Hint: what to try.`, with its line break; `commandPath` runs. */
export function errorLine(failure: unknown, commandPath: readonly string[]): string {
  const error = asCliError(failure);
  const hint = hintFor(error, helpOf(commandPath));
  return `ERROR: (${error.code}) ${oneLine(error.message)}${hint ? ` Hint: ${sentence(hint)}` : ""}\n`;
}

/** The words of the command that `args` runs, e.g. `secret show`: as far as they name commands (option values skipped). */
export function commandPathOf(program: Command, args: readonly string[]): string[] {
  const path: string[] = [];
  let command = program;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === "--") break;
    if (word.startsWith("-")) {
      const option = [...command.options, ...program.options].find((o) => o.long === word || o.short === word);
      if (option?.required) i++;
      continue;
    }
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    path.push(word);
    command = sub;
  }
  return path;
}

/**
 * A usage error of commander (unknown command or option, missing argument or required option, invalid choice,
 * too many arguments) as the one error line, with the help to read.
 */
export function usageErrorLine(commanderText: string, commandPath: readonly string[]): string {
  const message = commanderText
    .replace(/^error: /, "")
    .replace(/\s+/g, " ")
    .trim();
  const help = helpOf(commandPath);
  const hint = message.startsWith("unknown command") ? `${help} lists the commands` : `${help} shows the options and examples`;
  return `ERROR: (BadArgument) ${message} Hint: ${sentence(hint)}\n`;
}
