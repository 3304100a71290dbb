import { readFileSync, writeFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { KeyholdClient } from "./keyhold-client.js";
import { parseBoolean, parseDateTime, parsePositiveInteger, parseTags } from "./options.js";
import { print } from "./output.js";
import { withSpinner } from "./progress.js";
import { registerSecretTransferCommands } from "./secret-transfer-commands.js";

type Encoding = "utf-8" | "ascii" | "base64" | "hex";
const ENCODINGS: readonly Encoding[] = ["utf-8", "ascii", "base64", "hex"];

interface Target {
  vaultName: string;
  name: string;
  version?: string;
}
interface Attributes {
  expires?: number;
  notBefore?: number;
  enabled?: boolean;
  contentType?: string;
  tags?: string[];
}

const secretPath = (o: Target) => `/secrets/${encodeURIComponent(o.name)}${o.version ? `/${encodeURIComponent(o.version)}` : ""}`;

/** The file's bytes as the secret's string value: text as it is, or binary as base64 or hex (az's --encoding). */
function fileValue(file: string, encoding: Encoding): string {
  const bytes = readFileSync(file);
  return encoding === "base64" || encoding === "hex" ? bytes.toString(encoding) : bytes.toString(encoding === "ascii" ? "latin1" : "utf8");
}

function attributesBody(o: Attributes): Record<string, unknown> {
  const attributes = {
    ...(o.enabled !== undefined && { enabled: o.enabled }),
    ...(o.expires !== undefined && { exp: o.expires }),
    ...(o.notBefore !== undefined && { nbf: o.notBefore }),
  };
  return {
    ...(Object.keys(attributes).length > 0 && { attributes }),
    ...(o.contentType !== undefined && { contentType: o.contentType }),
    ...(o.tags !== undefined && { tags: parseTags(o.tags) }),
  };
}

function target(command: Command, withVersion = false): Command {
  command.requiredOption("--vault-name <vault>", "vault name").requiredOption("-n, --name <name>", "secret name");
  return withVersion ? command.option("--version <version>", "a version (default: the latest)") : command;
}

function attributeOptions(command: Command): Command {
  return command
    .option("--expires <datetime>", "expiry, ISO 8601", parseDateTime)
    .option("--not-before <datetime>", "not valid before, ISO 8601", parseDateTime)
    .option("--content-type <type>", "a content type, e.g. text/plain")
    .option("--tags <tags...>", "space-separated KEY=VALUE tags");
}

/** `keyhold secret …`, like `az keyvault secret …`; JSON answers are the REST API's own shapes. */
export function registerSecretCommands(program: Command): void {
  const secret = program.command("secret").description("Manage secrets in a vault (like `az keyvault secret`)");
  const client = () => new KeyholdClient();

  attributeOptions(target(secret.command("set").description("Create a secret, or a new version of it")))
    .option("--value <value>", "the value")
    .option("-f, --file <file>", "read the value from a file")
    .addOption(new Option("--encoding <encoding>", "how --file's bytes become the value").choices(ENCODINGS).default("utf-8"))
    .option("--disabled", "create the version disabled")
    .addHelpText("after", "\nExamples:\n  keyhold secret set --vault-name my-vault --name db-password --value s3cr3t\n  keyhold secret set --vault-name my-vault --name tls-pfx --file cert.pfx --encoding base64")
    .action(async (o: Target & Attributes & { value?: string; file?: string; encoding: Encoding; disabled?: boolean }) => {
      if ((o.value === undefined) === (o.file === undefined)) throw new Error("give exactly one of --value and --file");
      const value = o.value ?? fileValue(o.file!, o.encoding);
      print(await client().vaultCall(o.vaultName, "PUT", secretPath(o), { value, ...attributesBody({ ...o, ...(o.disabled && { enabled: false }) }) }));
    });

  target(secret.command("show").description("Show a secret with its value"), true).action(async (o: Target) =>
    print(await client().vaultCall(o.vaultName, "GET", secretPath(o))),
  );

  secret
    .command("list")
    .description("List the secrets of a vault (no values)")
    .requiredOption("--vault-name <vault>", "vault name")
    .option("--maxresults <n>", "at most this many", parsePositiveInteger)
    .action(async (o: { vaultName: string; maxresults?: number }) => {
      const items = await withSpinner("listing secrets", client().vaultList(o.vaultName, "/secrets"));
      print(o.maxresults ? items.slice(0, o.maxresults) : items);
    });

  target(secret.command("list-versions").description("List a secret's versions")).action(async (o: Target) =>
    print(await client().vaultList(o.vaultName, `${secretPath(o)}/versions`)),
  );

  attributeOptions(target(secret.command("update").description("Change a version's attributes (az: set-attributes)"), true))
    .option("--enabled <bool>", "enable or disable the version", parseBoolean)
    .action(async (o: Target & Attributes) => print(await client().vaultCall(o.vaultName, "PATCH", secretPath(o), attributesBody(o))));

  target(secret.command("delete").description("Delete a secret (soft delete: recoverable until purged)")).action(async (o: Target) =>
    print(await client().vaultCall(o.vaultName, "DELETE", secretPath(o))),
  );

  target(secret.command("recover").description("Recover a deleted secret")).action(async (o: Target) =>
    print(await client().vaultCall(o.vaultName, "POST", `/deletedsecrets/${encodeURIComponent(o.name)}/recover`)),
  );

  target(secret.command("purge").description("Purge a deleted secret for good")).action(async (o: Target) => {
    await client().vaultCall(o.vaultName, "DELETE", `/deletedsecrets/${encodeURIComponent(o.name)}`);
  });

  secret
    .command("list-deleted")
    .description("List deleted secrets")
    .requiredOption("--vault-name <vault>", "vault name")
    .action(async (o: { vaultName: string }) => print(await client().vaultList(o.vaultName, "/deletedsecrets")));

  target(secret.command("show-deleted").description("Show a deleted secret")).action(async (o: Target) =>
    print(await client().vaultCall(o.vaultName, "GET", `/deletedsecrets/${encodeURIComponent(o.name)}`)),
  );

  target(secret.command("backup").description("Write a secret's backup (all versions, sealed) to a file"))
    .requiredOption("-f, --file <file>", "where to write the backup")
    .action(async (o: Target & { file: string }) => {
      const { value } = (await client().vaultCall(o.vaultName, "POST", `${secretPath(o)}/backup`)) as { value: string };
      writeFileSync(o.file, Buffer.from(value, "base64url"), { mode: 0o600 });
    });

  secret
    .command("restore")
    .description("Restore a secret from a backup file")
    .requiredOption("--vault-name <vault>", "vault name")
    .requiredOption("-f, --file <file>", "the backup file")
    .action(async (o: { vaultName: string; file: string }) =>
      print(await client().vaultCall(o.vaultName, "POST", "/secrets/restore", { value: readFileSync(o.file).toString("base64url") })),
    );

  registerSecretTransferCommands(secret);

  target(secret.command("download").description("Write a secret's value to a file (0600)"), true)
    .requiredOption("-f, --file <file>", "where to write the value")
    .addOption(new Option("--encoding <encoding>", "how the value becomes the file's bytes").choices(ENCODINGS).default("utf-8"))
    .action(async (o: Target & { file: string; encoding: Encoding }) => {
      const { value } = (await client().vaultCall(o.vaultName, "GET", secretPath(o))) as { value: string };
      const bytes = o.encoding === "base64" || o.encoding === "hex" ? Buffer.from(value, o.encoding) : Buffer.from(value, o.encoding === "ascii" ? "latin1" : "utf8");
      writeFileSync(o.file, bytes, { mode: 0o600, flag: "wx" });
    });
}
