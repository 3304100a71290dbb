import type { Command } from "commander";
import { KeyholdClient } from "./keyhold-client.js";
import { print } from "./output.js";
import { PASSWORD_SOURCE_HELP, readNewPassword } from "./password-input.js";
import { USER_TABLE } from "./table-views.js";

const userPath = (nameOrId: string): string => `/keyhold/users/${encodeURIComponent(nameOrId)}`;
const NAME_OR_ID = "the user's user name (in any case) or object id";

/** `keyhold user …` (like `az ad user`): people who sign in with a user name and a password. */
export function registerUserCommands(program: Command): void {
  const user = program
    .command("user")
    .description("Manage users: people who sign in with a user name and a password")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        '  printf %s "$ALICE_PASSWORD" | keyhold user create --name alice@example.org --display-name "Alice"\n' +
        "  keyhold user list -o table\n" +
        "  keyhold role assignment create --role 'Key Vault Secrets User' --assignee alice@example.org --scope /vaults/my-vault",
    );

  user
    .command("create")
    .description("Create a user; the password comes from standard input or a prompt, never from an argument")
    .requiredOption("--name <userName>", "the user name, local@domain (e.g. alice@example.org)")
    .option("--display-name <name>", "the name shown in lists (default: the user name)")
    .addHelpText(
      "after",
      `\n${PASSWORD_SOURCE_HELP}\n\nExamples:\n` +
        '  keyhold user create --name alice@example.org --display-name "Alice"   # asks for the password twice\n' +
        '  printf %s "$ALICE_PASSWORD" | keyhold user create --name alice@example.org',
    )
    .action(async (o: { name: string; displayName?: string }) => {
      const password = await readNewPassword();
      const body = { userName: o.name, ...(o.displayName !== undefined && { displayName: o.displayName }), password };
      print(await new KeyholdClient().call("POST", "/keyhold/users", body), USER_TABLE);
    });

  user
    .command("list")
    .description("List users")
    .addHelpText("after", "\nExample:\n  keyhold user list -o table")
    .action(async () => print(await new KeyholdClient().call("GET", "/keyhold/users"), USER_TABLE));

  user
    .command("show")
    .description("Show a user (never its password)")
    .argument("<nameOrId>", NAME_OR_ID)
    .addHelpText("after", "\nExample:\n  keyhold user show alice@example.org --query id -o tsv")
    .action(async (nameOrId: string) => print(await new KeyholdClient().call("GET", userPath(nameOrId)), USER_TABLE));

  user
    .command("delete")
    .description("Delete a user, its password and its grants")
    .argument("<nameOrId>", NAME_OR_ID)
    .addHelpText("after", "\nExample:\n  keyhold user delete alice@example.org")
    .action(async (nameOrId: string) => {
      await new KeyholdClient().call("DELETE", userPath(nameOrId));
    });

  user
    .command("set-password")
    .description("Replace a user's password; the old one stops working at once")
    .argument("<nameOrId>", NAME_OR_ID)
    .addHelpText(
      "after",
      `\n${PASSWORD_SOURCE_HELP}\n\nExamples:\n` +
        "  keyhold user set-password alice@example.org   # asks for the new password twice\n" +
        '  printf %s "$NEW_PASSWORD" | keyhold user set-password alice@example.org',
    )
    .action(async (nameOrId: string) => {
      const password = await readNewPassword();
      await new KeyholdClient().call("PUT", `${userPath(nameOrId)}/password`, { password });
    });

  const mfa = user.command("mfa").description("Manage a user's second factor: a TOTP authenticator app (6-digit codes every 30 seconds)");

  mfa
    .command("enable")
    .description("Give a user a new TOTP secret, replacing any it had; prints the otpauth URI for its authenticator app once")
    .argument("<nameOrId>", NAME_OR_ID)
    .addHelpText(
      "after",
      "\nThe URI carries the secret: hand it to the user privately (e.g. as a QR code), and do not keep it.\n\nExample:\n" +
        "  keyhold user mfa enable alice@example.org --query otpauthUri -o tsv | qrencode -t ansiutf8",
    )
    .action(async (nameOrId: string) => {
      print(await new KeyholdClient().call("POST", `${userPath(nameOrId)}/mfa`));
      process.stderr.write("The otpauth URI is shown only now: Keyhold never shows the secret again.\n");
    });

  mfa
    .command("disable")
    .description("Remove a user's TOTP second factor: a password alone signs it in again")
    .argument("<nameOrId>", NAME_OR_ID)
    .addHelpText("after", "\nExample:\n  keyhold user mfa disable alice@example.org")
    .action(async (nameOrId: string) => {
      await new KeyholdClient().call("DELETE", `${userPath(nameOrId)}/mfa`);
    });
}
