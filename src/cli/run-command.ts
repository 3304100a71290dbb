import { spawn } from "node:child_process";
import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import { KeyholdClient } from "./keyhold-client.js";
import { withSpinner } from "./progress.js";
import { envNameOf, secretValues } from "./vault-secrets.js";

/** `NAME` or `NAME=ENV` → the secret's name and the variable it becomes. */
function mapping(spec: string): { secret: string; env: string } {
  const eq = spec.indexOf("=");
  const secret = eq < 0 ? spec : spec.slice(0, eq);
  const env = eq < 0 ? envNameOf(secret) : spec.slice(eq + 1);
  if (!secret || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) throw new CliError("BadParameter", `'${spec}' is not NAME or NAME=ENV_VAR`);
  return { secret, env };
}

/**
 * `keyhold run`: runs a program with secrets in its environment. The values go from the server into the child's
 * environment only: nothing is written to disk, and nothing is printed.
 */
export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("Run a program with secrets injected as environment variables (never written to disk)")
    .requiredOption("--vault-name <vault>", "vault name")
    .option("--secret <specs...>", "NAME (becomes NAME in upper case, dashes as underscores) or NAME=ENV_VAR")
    .option("--all", "every enabled secret of the vault")
    .argument("<command...>", "the program and its arguments, after --")
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold run --vault-name my-vault --secret db-password -- node server.js   # DB_PASSWORD=…\n  keyhold run --vault-name my-vault --all -- env",
    )
    .action(async (command: string[], o: { vaultName: string; secret?: string[]; all?: boolean }) => {
      if (!o.all && !o.secret?.length) throw new CliError("BadParameter", "name the secrets with --secret NAME[=ENV] or use --all");
      const specs = (o.secret ?? []).map(mapping);
      const values = await withSpinner(
        "reading secrets",
        secretValues(new KeyholdClient(), o.vaultName, o.all ? null : specs.map((s) => s.secret)),
      );
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const [name, value] of values) env[specs.find((s) => s.secret === name)?.env ?? envNameOf(name)] = value;
      const child = spawn(command[0]!, command.slice(1), { stdio: "inherit", env });
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, forward(signal));
      const code = await new Promise<number>((resolve, reject) => {
        child.once("error", (error) => reject(new CliError("CommandFailed", `cannot run ${command[0]}: ${error.message}`)));
        child.once("exit", (exitCode, signal) =>
          resolve(exitCode ?? 128 + (signal ? (({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as Record<string, number>)[signal] ?? 1) : 1)),
        );
      });
      process.exitCode = code;
    });
}
