import { writeOutputFile } from "./output-file.js";
import { type Command, Option } from "commander";
import { readInputFile } from "./input-file.js";
import { CliError } from "./cli-error.js";
import { KeyholdClient } from "./keyhold-client.js";
import { parseBoolean } from "./options.js";
import { print } from "./output.js";
import { SECRET_SHOW_TABLE, SECRET_TABLE } from "./table-views.js";
import { FROM_STDIN, VISIBLE_WARNING, readSensitiveInput, sensitiveEnv, utf8Exactly } from "./secret-input.js";
import { registerSecretTransferCommands } from "./secret-transfer-commands.js";
import {
  type CommonAttributes,
  type ObjectTarget,
  attributeOptions,
  attributesBody,
  objectPath,
  objectTarget,
  registerLifecycleCommands,
} from "./vault-object-commands.js";

type Encoding = "utf-8" | "ascii" | "base64" | "hex";
const ENCODINGS: readonly Encoding[] = ["utf-8", "ascii", "base64", "hex"];

interface SecretAttributes extends CommonAttributes {
  contentType?: string;
}

const secretPath = (o: ObjectTarget) => objectPath("secrets", o);
const body = (o: SecretAttributes) => ({ ...attributesBody(o), ...(o.contentType !== undefined && { contentType: o.contentType }) });
const withContentType = (command: Command) => attributeOptions(command).option("--content-type <type>", "a content type, e.g. text/plain");

/** Bytes as the secret's string value: text as it is, or binary as base64 or hex (az's --encoding). */
const encodedValue = (bytes: Buffer, encoding: Encoding): string =>
  encoding === "base64" || encoding === "hex" ? bytes.toString(encoding) : bytes.toString(encoding === "ascii" ? "latin1" : "utf8");

/** The value from whichever one of --value, --value-env and --file was given (`-`: stdin, as secret-input.ts says). */
async function secretValue(o: { value?: string; valueEnv?: string; file?: string; encoding: Encoding }): Promise<string> {
  const given = [o.value, o.valueEnv, o.file].filter((v) => v !== undefined).length;
  if (given !== 1) throw new CliError("BadParameter", "give exactly one of --value, --value-env and --file");
  if (o.value === FROM_STDIN)
    return utf8Exactly(await readSensitiveInput("secret value", "--value"), "--value", "--file - --encoding base64");
  if (o.value !== undefined) return o.value;
  if (o.valueEnv !== undefined) return sensitiveEnv(o.valueEnv, "--value-env");
  return encodedValue(
    o.file === FROM_STDIN ? await readSensitiveInput("secret value", "--file", true) : readInputFile(o.file!),
    o.encoding,
  );
}

/** `keyhold secret …`, like `az keyvault secret …`; JSON answers are the REST API's own shapes. */
export function registerSecretCommands(program: Command): void {
  const secret = program.command("secret").description("Manage secrets in a vault (like `az keyvault secret`)");
  const client = () => new KeyholdClient();

  withContentType(objectTarget(secret.command("set").description("Create a secret, or a new version of it"), "secrets"))
    .option(
      "--value <value>",
      `the value; - reads it from stdin (a pipe: its bytes exactly; a terminal: asks, not echoed). Note: ${VISIBLE_WARNING}, so prefer -, --value-env or --file`,
    )
    .option("--value-env <name>", "read the value from this environment variable")
    .option("-f, --file <file>", "read the value from a file; - reads stdin's bytes")
    .addOption(new Option("--encoding <encoding>", "how --file's bytes become the value").choices(ENCODINGS).default("utf-8"))
    .option("--disabled", "create the version disabled")
    .addHelpText(
      "after",
      [
        "\nExamples:",
        "  keyhold secret set --vault-name my-vault --name db-password --value -     # asks for it",
        '  printf %s "$DB_PASSWORD" | keyhold secret set --vault-name my-vault --name db-password --value -',
        "  keyhold secret set --vault-name my-vault --name db-password --value-env DB_PASSWORD",
        "  keyhold secret set --vault-name my-vault --name tls-pfx --file cert.pfx --encoding base64",
        "  openssl rand 32 | keyhold secret set --vault-name my-vault --name aes-key --file - --encoding base64",
        "\n--value - keeps piped bytes exactly: echo and -o tsv add a newline that becomes part of the value; printf %s does not.",
      ].join("\n"),
    )
    .action(
      async (
        o: ObjectTarget & SecretAttributes & { value?: string; valueEnv?: string; file?: string; encoding: Encoding; disabled?: boolean },
      ) => {
        const value = await secretValue(o);
        print(
          await client().vaultCall(o.vaultName, "PUT", secretPath(o), { value, ...body({ ...o, ...(o.disabled && { enabled: false }) }) }),
          SECRET_TABLE,
        );
      },
    );

  objectTarget(secret.command("show").description("Show a secret with its value"), "secrets", "version").action(async (o: ObjectTarget) =>
    print(await client().vaultCall(o.vaultName, "GET", secretPath(o)), SECRET_SHOW_TABLE),
  );

  withContentType(
    objectTarget(secret.command("update").description("Change a version's attributes (az: set-attributes)"), "secrets", "version"),
  )
    .option("--enabled <bool>", "enable or disable the version", parseBoolean)
    .action(async (o: ObjectTarget & SecretAttributes) =>
      print(await client().vaultCall(o.vaultName, "PATCH", secretPath(o), body(o)), SECRET_TABLE),
    );

  registerLifecycleCommands(secret, "secrets");
  registerSecretTransferCommands(secret);

  objectTarget(secret.command("download").description("Write a secret's value to a file (0600)"), "secrets", "version")
    .requiredOption("-f, --file <file>", "where to write the value")
    .addOption(new Option("--encoding <encoding>", "how the value becomes the file's bytes").choices(ENCODINGS).default("utf-8"))
    .option("--overwrite", "replace the file if it exists (by default an existing file is refused)")
    .action(async (o: ObjectTarget & { file: string; encoding: Encoding; overwrite?: boolean }) => {
      const { value } = (await client().vaultCall(o.vaultName, "GET", secretPath(o))) as { value: string };
      const bytes =
        o.encoding === "base64" || o.encoding === "hex"
          ? Buffer.from(value, o.encoding)
          : Buffer.from(value, o.encoding === "ascii" ? "latin1" : "utf8");
      writeOutputFile(o.file, bytes, o.overwrite);
    });
}
