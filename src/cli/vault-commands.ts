import { createInterface } from "node:readline/promises";
import { type Command, Option } from "commander";
import { KeyholdClient } from "./keyhold-client.js";
import { parseBoolean, parseInteger } from "./options.js";
import { print } from "./output.js";
import { DELETED_VAULT_TABLE, VAULT_TABLE } from "./table-views.js";
const path = (name: string): string => `/keyhold/vaults/${encodeURIComponent(name)}`;
const deletedPath = (name: string): string => `/keyhold/deletedVaults/${encodeURIComponent(name)}`;

/**
 * Asks on the terminal before a vault is deleted; true to go on. Without a terminal on stdin (scripts, CI) there is
 * nobody to ask and the command goes on, as before; `--yes` skips the question.
 */
async function confirmed(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return true;
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}

interface VaultSettings {
  enablePurgeProtection?: boolean;
  enableRbacAuthorization?: boolean;
  sku?: string;
}

const SKUS = ["standard", "premium"];

/** The settings `create` and `update` share, as options and as the body's fields. */
function withSettings(command: Command): Command {
  return command
    .option("--enable-purge-protection [bool]", "refuse purges until retention ends (cannot be turned off)", parseBoolean)
    .option(
      "--enable-rbac-authorization <bool>",
      "permission model: role assignments (true, the default) or access policies (false)",
      parseBoolean,
    );
}

const settings = (o: VaultSettings) => ({
  ...(o.enablePurgeProtection !== undefined && { enablePurgeProtection: o.enablePurgeProtection }),
  ...(o.enableRbacAuthorization !== undefined && { enableRbacAuthorization: o.enableRbacAuthorization }),
  ...(o.sku !== undefined && { sku: o.sku }),
});

export function registerVaultCommands(program: Command): void {
  const vault = program.command("vault").description("Manage vaults (like `az keyvault`)");

  withSettings(
    vault
      .command("create")
      .description("Create a vault")
      .requiredOption("--name <name>", "vault name: 3-24 characters, letters, digits and dashes")
      .option("--retention-days <days>", "soft-delete retention, 7-90 days", parseInteger)
      .addOption(new Option("--sku <sku>", "tier: premium vaults also hold -HSM key types").choices(SKUS).default("standard")),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold vault create --name my-vault --retention-days 30\n  keyhold vault create --name hsm-vault --sku premium\n  keyhold vault create --name legacy-vault --enable-rbac-authorization false",
    )
    .action(async (o: VaultSettings & { name: string; retentionDays?: number }) => {
      const body = { ...(o.retentionDays !== undefined && { softDeleteRetentionInDays: o.retentionDays }), ...settings(o) };
      print(await new KeyholdClient().call("PUT", path(o.name), body), VAULT_TABLE);
    });

  withSettings(
    vault
      .command("update")
      .description("Change a vault's permission model or tier, or turn purge protection on")
      .requiredOption("--name <name>", "vault name")
      .addOption(new Option("--sku <sku>", "tier; premium → standard is refused while the vault holds -HSM keys").choices(SKUS)),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold vault update --name my-vault --enable-rbac-authorization false\n  keyhold vault update --name my-vault --sku premium",
    )
    .action(async (o: VaultSettings & { name: string }) =>
      print(await new KeyholdClient().call("PATCH", path(o.name), settings(o)), VAULT_TABLE),
    );

  vault
    .command("list")
    .description("List vaults")
    .action(async () => print(await new KeyholdClient().call("GET", "/keyhold/vaults"), VAULT_TABLE));

  vault
    .command("show")
    .description("Show a vault")
    .requiredOption("--name <name>", "vault name")
    .action(async (o: { name: string }) => print(await new KeyholdClient().call("GET", path(o.name)), VAULT_TABLE));

  vault
    .command("delete")
    .description("Delete a vault with everything in it (soft delete: recoverable for its retention period, until purged)")
    .requiredOption("--name <name>", "vault name")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (o: { name: string; yes?: boolean }) => {
      if (!o.yes && !(await confirmed(`Are you sure you want to delete the vault '${o.name}' and everything in it?`))) {
        process.stderr.write("Not deleted.\n");
        return;
      }
      await new KeyholdClient().call("DELETE", path(o.name));
    });

  vault
    .command("list-deleted")
    .description("List deleted vaults (recoverable until purged)")
    .addHelpText("after", "\nExample:\n  keyhold vault list-deleted -o table")
    .action(async () => print(await new KeyholdClient().call("GET", "/keyhold/deletedVaults"), DELETED_VAULT_TABLE));

  vault
    .command("show-deleted")
    .description("Show a deleted vault: when it was deleted, when it will be purged")
    .requiredOption("--name <name>", "vault name")
    .addHelpText("after", "\nExample:\n  keyhold vault show-deleted --name old-vault --query properties.scheduledPurgeDate")
    .action(async (o: { name: string }) => print(await new KeyholdClient().call("GET", deletedPath(o.name)), DELETED_VAULT_TABLE));

  vault
    .command("recover")
    .description("Recover a deleted vault with everything it held")
    .requiredOption("--name <name>", "vault name")
    .addHelpText("after", "\nExample:\n  keyhold vault recover --name old-vault")
    .action(async (o: { name: string }) => print(await new KeyholdClient().call("POST", `${deletedPath(o.name)}/recover`), VAULT_TABLE));

  vault
    .command("purge")
    .description("Purge a deleted vault for good (refused under purge protection until its retention ends)")
    .requiredOption("--name <name>", "vault name")
    .addHelpText("after", "\nExample:\n  keyhold vault purge --name old-vault")
    .action(async (o: { name: string }) => {
      await new KeyholdClient().call("POST", `${deletedPath(o.name)}/purge`);
    });
}
