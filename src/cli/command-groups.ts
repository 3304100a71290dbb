import type { Command } from "commander";

type Registration = (program: Command) => void;

export interface CommandGroup {
  /** The top-level command words its registration defines. */
  words: readonly string[];
  load: () => Promise<Registration>;
}

/**
 * Each group of commands with the top-level command words it defines, in the order help lists them. A command
 * loads only its own group: the others pull in what a server start does not need (YAML, JMESPath, dotenv, the
 * PostgreSQL client, config schemas), which would otherwise add a few hundred milliseconds to `keyhold dev`.
 */
const COMMAND_GROUPS: readonly CommandGroup[] = [
  { words: ["dev", "serve", "bootstrap"], load: async () => (await import("./server-commands.js")).registerServerCommands },
  { words: ["vault"], load: async () => (await import("./vault-commands.js")).registerVaultCommands },
  { words: ["secret"], load: async () => (await import("./secret-commands.js")).registerSecretCommands },
  { words: ["key"], load: async () => (await import("./key-commands.js")).registerKeyCommands },
  { words: ["certificate"], load: async () => (await import("./certificate-commands.js")).registerCertificateCommands },
  { words: ["principal", "identity"], load: async () => (await import("./principal-commands.js")).registerPrincipalCommands },
  { words: ["user"], load: async () => (await import("./user-commands.js")).registerUserCommands },
  { words: ["policy", "role"], load: async () => (await import("./access-commands.js")).registerAccessCommands },
  { words: ["master-key"], load: async () => (await import("./master-key-commands.js")).registerMasterKeyCommands },
  { words: ["audit"], load: async () => (await import("./audit-commands.js")).registerAuditCommands },
  { words: ["run"], load: async () => (await import("./run-command.js")).registerRunCommand },
  { words: ["login", "logout", "status"], load: async () => (await import("./session-commands.js")).registerSessionCommands },
  { words: ["completion"], load: async () => (await import("./completion-command.js")).registerCompletionCommand },
];

/** The global options that take a value, as written before the command word. */
const VALUED_GLOBAL_OPTIONS = ["-o", "--output", "--query"];

/**
 * The top-level command word of `args`, past the global options; null when there is none (help, --version) or
 * the arguments start with an option this program does not know.
 */
export function commandWordOf(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUED_GLOBAL_OPTIONS.includes(arg)) i++;
    else if (arg === "--debug" || arg.startsWith("--output=") || arg.startsWith("--query=") || /^-o./.test(arg)) continue;
    else return arg.startsWith("-") ? null : arg;
  }
  return null;
}

/**
 * The groups to register for `args`: the command's own, or all of them when the word is none of theirs (help,
 * `help <command>`, a mistyped command that commander suggests a correction for) or completion, which lists every command.
 */
export function commandGroupsFor(args: readonly string[]): readonly CommandGroup[] {
  const word = commandWordOf(args);
  const own = COMMAND_GROUPS.find((group) => word !== null && group.words.includes(word));
  return own && word !== "completion" ? [own] : COMMAND_GROUPS;
}
