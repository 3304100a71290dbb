import { readFileSync, writeFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { KeyholdClient } from "./keyhold-client.js";
import { parseBoolean } from "./options.js";
import { print } from "./output.js";
import { registerSecretTransferCommands } from "./secret-transfer-commands.js";
import { type CommonAttributes, type ObjectTarget, attributeOptions, attributesBody, objectPath, objectTarget, registerLifecycleCommands } from "./vault-object-commands.js";

type Encoding = "utf-8" | "ascii" | "base64" | "hex";
const ENCODINGS: readonly Encoding[] = ["utf-8", "ascii", "base64", "hex"];

interface SecretAttributes extends CommonAttributes {
  contentType?: string;
}

const secretPath = (o: ObjectTarget) => objectPath("secrets", o);
const body = (o: SecretAttributes) => ({ ...attributesBody(o), ...(o.contentType !== undefined && { contentType: o.contentType }) });
const withContentType = (command: Command) => attributeOptions(command).option("--content-type <type>", "a content type, e.g. text/plain");

/** The file's bytes as the secret's string value: text as it is, or binary as base64 or hex (az's --encoding). */
function fileValue(file: string, encoding: Encoding): string {
  const bytes = readFileSync(file);
  return encoding === "base64" || encoding === "hex" ? bytes.toString(encoding) : bytes.toString(encoding === "ascii" ? "latin1" : "utf8");
}

/** `keyhold secret …`, like `az keyvault secret …`; JSON answers are the REST API's own shapes. */
export function registerSecretCommands(program: Command): void {
  const secret = program.command("secret").description("Manage secrets in a vault (like `az keyvault secret`)");
  const client = () => new KeyholdClient();

  withContentType(objectTarget(secret.command("set").description("Create a secret, or a new version of it"), "secrets"))
    .option("--value <value>", "the value")
    .option("-f, --file <file>", "read the value from a file")
    .addOption(new Option("--encoding <encoding>", "how --file's bytes become the value").choices(ENCODINGS).default("utf-8"))
    .option("--disabled", "create the version disabled")
    .addHelpText("after", "\nExamples:\n  keyhold secret set --vault-name my-vault --name db-password --value s3cr3t\n  keyhold secret set --vault-name my-vault --name tls-pfx --file cert.pfx --encoding base64")
    .action(async (o: ObjectTarget & SecretAttributes & { value?: string; file?: string; encoding: Encoding; disabled?: boolean }) => {
      if ((o.value === undefined) === (o.file === undefined)) throw new Error("give exactly one of --value and --file");
      const value = o.value ?? fileValue(o.file!, o.encoding);
      print(await client().vaultCall(o.vaultName, "PUT", secretPath(o), { value, ...body({ ...o, ...(o.disabled && { enabled: false }) }) }));
    });

  objectTarget(secret.command("show").description("Show a secret with its value"), "secrets", true).action(async (o: ObjectTarget) =>
    print(await client().vaultCall(o.vaultName, "GET", secretPath(o))),
  );

  withContentType(objectTarget(secret.command("update").description("Change a version's attributes (az: set-attributes)"), "secrets", true))
    .option("--enabled <bool>", "enable or disable the version", parseBoolean)
    .action(async (o: ObjectTarget & SecretAttributes) => print(await client().vaultCall(o.vaultName, "PATCH", secretPath(o), body(o))));

  registerLifecycleCommands(secret, "secrets");
  registerSecretTransferCommands(secret);

  objectTarget(secret.command("download").description("Write a secret's value to a file (0600)"), "secrets", true)
    .requiredOption("-f, --file <file>", "where to write the value")
    .addOption(new Option("--encoding <encoding>", "how the value becomes the file's bytes").choices(ENCODINGS).default("utf-8"))
    .action(async (o: ObjectTarget & { file: string; encoding: Encoding }) => {
      const { value } = (await client().vaultCall(o.vaultName, "GET", secretPath(o))) as { value: string };
      const bytes = o.encoding === "base64" || o.encoding === "hex" ? Buffer.from(value, o.encoding) : Buffer.from(value, o.encoding === "ascii" ? "latin1" : "utf8");
      writeFileSync(o.file, bytes, { mode: 0o600, flag: "wx" });
    });
}
