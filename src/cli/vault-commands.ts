import type { Command } from "commander";
import { KeyholdClient } from "./keyhold-client.js";
import { parseInteger } from "./options.js";

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};
const path = (name: string): string => `/keyhold/vaults/${encodeURIComponent(name)}`;

export function registerVaultCommands(program: Command): void {
  const vault = program.command("vault").description("Manage vaults (like `az keyvault`)");

  vault
    .command("create")
    .description("Create a vault")
    .requiredOption("--name <name>", "vault name: 3-24 characters, letters, digits and dashes")
    .option("--retention-days <days>", "soft-delete retention, 7-90 days", parseInteger)
    .option("--enable-purge-protection", "refuse purges until retention ends (cannot be turned off)")
    .addHelpText("after", "\nExample:\n  keyhold vault create --name my-vault --retention-days 30")
    .action(async (o: { name: string; retentionDays?: number; enablePurgeProtection?: boolean }) => {
      print(
        await new KeyholdClient().call("PUT", path(o.name), {
          ...(o.retentionDays !== undefined && { softDeleteRetentionInDays: o.retentionDays }),
          ...(o.enablePurgeProtection && { enablePurgeProtection: true }),
        }),
      );
    });

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
