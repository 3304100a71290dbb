import { type Command, Option } from "commander";
import { KeyholdClient } from "./keyhold-client.js";
import { parseBoolean, parseInteger } from "./options.js";
import { print } from "./output.js";
const path = (name: string): string => `/keyhold/vaults/${encodeURIComponent(name)}`;

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
    .option("--enable-rbac-authorization <bool>", "permission model: role assignments (true, the default) or access policies (false)", parseBoolean);
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
      print(await new KeyholdClient().call("PUT", path(o.name), body));
    });

  withSettings(
    vault
      .command("update")
      .description("Change a vault's permission model or tier, or turn purge protection on")
      .requiredOption("--name <name>", "vault name")
      .addOption(new Option("--sku <sku>", "tier; premium → standard is refused while the vault holds -HSM keys").choices(SKUS)),
  )
    .addHelpText("after", "\nExamples:\n  keyhold vault update --name my-vault --enable-rbac-authorization false\n  keyhold vault update --name my-vault --sku premium")
    .action(async (o: VaultSettings & { name: string }) => print(await new KeyholdClient().call("PATCH", path(o.name), settings(o))));

  vault
    .command("list")
    .description("List vaults")
    .action(async () => print(await new KeyholdClient().call("GET", "/keyhold/vaults")));

  vault
    .command("show")
    .description("Show a vault")
    .requiredOption("--name <name>", "vault name")
    .action(async (o: { name: string }) => print(await new KeyholdClient().call("GET", path(o.name))));

  vault
    .command("delete")
    .description("Delete a vault and everything in it")
    .requiredOption("--name <name>", "vault name")
    .action(async (o: { name: string }) => {
      await new KeyholdClient().call("DELETE", path(o.name));
    });
}
