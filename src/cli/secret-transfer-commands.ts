import { writeFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { parse as parseDotenv } from "dotenv";
import { dotenvLine } from "./dotenv-line.js";
import { readInputText } from "./input-file.js";
import { CliError } from "./cli-error.js";
import { KeyholdClient } from "./keyhold-client.js";
import { SECRETS_IMPORT_MAX } from "../vault/limits.js";
import { print } from "./output.js";
import { withSpinner } from "./progress.js";
import { secretNameOf, secretValues } from "./vault-secrets.js";

type Format = "dotenv" | "json";
interface ImportItem {
  name: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
}

/** The import file's secrets: JSON `{"name": "value"}` or `[{"name","value","contentType","tags"}]`, or a .env file. */
function readImport(file: string, format: Format): ImportItem[] {
  const text = readInputText(file);
  if (format === "dotenv") return Object.entries(parseDotenv(text)).map(([env, value]) => ({ name: secretNameOf(env), value }));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError("BadParameter", `${file} is not JSON (for a .env file, use --format dotenv)`);
  }
  if (Array.isArray(json)) return json as ImportItem[];
  if (typeof json === "object" && json !== null) return Object.entries(json).map(([name, value]) => ({ name, value: String(value) }));
  throw new CliError("BadParameter", `${file} holds neither an object nor an array of secrets`);
}

const formatOf = (file: string, given: Format | undefined): Format => given ?? (/\.json$/i.test(file) ? "json" : "dotenv");

/** `keyhold secret export` and `keyhold secret import`. */
export function registerSecretTransferCommands(secret: Command): void {
  secret
    .command("export")
    .description("Print (or write, 0600) every enabled secret's latest value, as .env lines or JSON")
    .requiredOption("--vault-name <vault>", "vault name")
    .addOption(
      new Option("--format <format>", "dotenv (MY_DB_PASSWORD='…', read exactly by `. .env` in sh, bash and zsh and by dotenv) or json")
        .choices(["dotenv", "json"])
        .default("dotenv"),
    )
    .option("-f, --file <file>", "write here instead of stdout (created with mode 0600; never overwritten)")
    .action(async (o: { vaultName: string; format: Format; file?: string }) => {
      const values = await withSpinner("reading secrets", secretValues(new KeyholdClient(), o.vaultName, null));
      const text =
        o.format === "json"
          ? `${JSON.stringify(Object.fromEntries(values), null, 2)}\n`
          : [...values].map(([name, value]) => dotenvLine(name, value)).join("\n") + (values.size > 0 ? "\n" : "");
      if (o.file) writeFileSync(o.file, text, { mode: 0o600, flag: "wx" });
      else process.stdout.write(text);
    });

  secret
    .command("import")
    .description(`Set many secrets (at most ${SECRETS_IMPORT_MAX}) from a .env or JSON file in one transaction: all of them, or none`)
    .requiredOption("--vault-name <vault>", "vault name")
    .requiredOption("-f, --file <file>", "a .env file (MY_DB_PASSWORD becomes my-db-password) or a JSON file")
    .addOption(new Option("--format <format>", "default: json for *.json, else dotenv").choices(["dotenv", "json"]))
    .option("--dry-run", "check the file and print what would be set, without setting anything")
    .addHelpText(
      "after",
      `\nA file may hold at most ${SECRETS_IMPORT_MAX} secrets (the server's limit for one transaction); split a larger one into several files.` +
        "\n\nExamples:\n  keyhold secret import --vault-name my-vault --file .env --dry-run\n  keyhold secret import --vault-name my-vault --file secrets.json",
    )
    .action(async (o: { vaultName: string; file: string; format?: Format; dryRun?: boolean }) => {
      const items = readImport(o.file, formatOf(o.file, o.format));
      if (items.length === 0) throw new CliError("BadParameter", `${o.file} holds no secrets`);
      // Refused here rather than sent in several requests: an import is one transaction, all or none, and a file
      // split into batches behind the user's back could stop half-imported. The user splits it knowingly.
      if (items.length > SECRETS_IMPORT_MAX) {
        throw new CliError(
          "BadParameter",
          `${o.file} holds ${items.length} secrets, more than the ${SECRETS_IMPORT_MAX} one import may hold (one transaction, all or none): split it into files of at most ${SECRETS_IMPORT_MAX} secrets and import each`,
        );
      }
      if (o.dryRun) {
        print(
          items.map((item) => ({ name: item.name, bytes: Buffer.byteLength(String(item.value)), contentType: item.contentType ?? null })),
        );
        return;
      }
      const result = await withSpinner(
        `importing ${items.length} secrets`,
        new KeyholdClient().vaultCall(o.vaultName, "POST", "/secrets/import", { secrets: items }),
      );
      print((result as { value: unknown[] }).value);
    });
}
