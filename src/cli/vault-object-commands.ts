import { writeOutputFile } from "./output-file.js";
import { type Command, Option } from "commander";
import { readInputFile } from "./input-file.js";
import { KeyholdClient } from "./keyhold-client.js";
import { type IdCollection, type ObjectAddress, idForm, parseObjectId } from "./object-id.js";
import { parseDateTime, parsePositiveInteger, parseTags } from "./options.js";
import { type TableView, print } from "./output.js";
import { withSpinner } from "./progress.js";
import {
  CERTIFICATE_LIST_TABLE,
  CERTIFICATE_TABLE,
  CERTIFICATE_VERSIONS_TABLE,
  DELETED_OBJECT_TABLE,
  KEY_LIST_TABLE,
  KEY_TABLE,
  KEY_VERSIONS_TABLE,
  SECRET_LIST_TABLE,
  SECRET_TABLE,
  SECRET_VERSIONS_TABLE,
} from "./table-views.js";

/** What secrets, keys and certificates share on the command line: addressing, attributes, and the soft-delete lifecycle. */
export interface ObjectTarget {
  vaultName: string;
  name: string;
  version?: string;
}

export interface CommonAttributes {
  expires?: number;
  notBefore?: number;
  enabled?: boolean;
  tags?: string[];
}

export type Collection = "secrets" | "keys" | "certificates";
const NOUN: Record<Collection, string> = { secrets: "secret", keys: "key", certificates: "certificate" };
/** The `-o table` columns of each collection's lists and of one version. */
const TABLES: Record<Collection, Record<"list" | "versions" | "version", TableView>> = {
  secrets: { list: SECRET_LIST_TABLE, versions: SECRET_VERSIONS_TABLE, version: SECRET_TABLE },
  keys: { list: KEY_LIST_TABLE, versions: KEY_VERSIONS_TABLE, version: KEY_TABLE },
  certificates: { list: CERTIFICATE_LIST_TABLE, versions: CERTIFICATE_VERSIONS_TABLE, version: CERTIFICATE_TABLE },
};

/** Certificates' lists leave out certificates still being issued unless asked to (az's --include-pending). */
function withIncludePending(command: Command, collection: Collection): Command {
  return collection === "certificates" ? command.option("--include-pending", "also list certificates still being issued") : command;
}
const listPath = (path: string, o: { includePending?: boolean }) => (o.includePending ? `${path}?includePending=true` : path);

export const objectPath = (collection: Collection, o: ObjectTarget): string =>
  `/${collection}/${encodeURIComponent(o.name)}${o.version ? `/${encodeURIComponent(o.version)}` : ""}`;
const deletedPath = (collection: Collection, o: ObjectTarget): string => `/deleted${collection}/${encodeURIComponent(o.name)}`;

/** What a command acts on: a whole secret or key, one version of it (the latest by default), or a deleted one. */
export type Addressing = "object" | "version" | "deleted";

/**
 * The options that name the command's secret or key: --vault-name and --name (and --version), or, as az takes it,
 * --id with its object id (a recoveryId for a deleted one); a version in an id is used where the command takes one.
 */
export function objectTarget(command: Command, collection: Collection, addressing: Addressing = "object"): Command {
  const noun = NOUN[collection];
  const idCollection: IdCollection = addressing === "deleted" ? `deleted${collection}` : collection;
  command.option("--vault-name <vault>", "vault name (or --id)").option("-n, --name <name>", `${noun} name (or --id)`);
  if (addressing === "version") command.option("--version <version>", "a version (default: the latest)");
  const replaced = addressing === "version" ? "--vault-name, --name and --version" : "--vault-name and --name";
  const idName = addressing === "deleted" ? "recoveryId" : "id";
  command.addOption(
    new Option("--id <id>", `the ${noun}'s ${idName}, ${idForm(idCollection)}, instead of ${replaced}`)
      .argParser((id) => parseObjectId(id, idCollection))
      .conflicts(["vaultName", "name", "version"]),
  );
  return command.hook("preAction", () => {
    const { id, vaultName, name } = command.opts<{ id?: ObjectAddress; vaultName?: string; name?: string }>();
    if (id) {
      command.setOptionValue("vaultName", id.vaultName).setOptionValue("name", id.name);
      if (addressing === "version" && id.version) command.setOptionValue("version", id.version);
    } else if (!vaultName || !name) {
      command.error("error: required options '--vault-name <vault>' and '--name <name>' (or '--id <id>') not specified");
    }
  });
}

export function attributeOptions(command: Command): Command {
  return command
    .option("--expires <datetime>", "expiry, ISO 8601", parseDateTime)
    .option("--not-before <datetime>", "not valid before, ISO 8601", parseDateTime)
    .option("--tags <tags...>", "space-separated KEY=VALUE tags");
}

/** `attributes` (enabled, exp, nbf) and `tags` as the REST bodies take them; absent flags are left out. */
export function attributesBody(o: CommonAttributes): Record<string, unknown> {
  const attributes = {
    ...(o.enabled !== undefined && { enabled: o.enabled }),
    ...(o.expires !== undefined && { exp: o.expires }),
    ...(o.notBefore !== undefined && { nbf: o.notBefore }),
  };
  return { ...(Object.keys(attributes).length > 0 && { attributes }), ...(o.tags !== undefined && { tags: parseTags(o.tags) }) };
}

const vaultOnly = (command: Command): Command => command.requiredOption("--vault-name <vault>", "vault name");

/** list, list-versions, delete, recover, purge, list-deleted, show-deleted, backup and restore (of secrets, keys or certificates). */
export function registerLifecycleCommands(group: Command, collection: Collection): void {
  const noun = NOUN[collection];
  const client = () => new KeyholdClient();

  const list = vaultOnly(
    group.command("list").description(`List the ${collection} of a vault${collection === "secrets" ? " (no values)" : ""}`),
  );
  withIncludePending(list, collection)
    .option("--maxresults <n>", "at most this many", parsePositiveInteger)
    .action(async (o: { vaultName: string; maxresults?: number; includePending?: boolean }) => {
      const items = await withSpinner(`listing ${collection}`, client().vaultList(o.vaultName, listPath(`/${collection}`, o)));
      print(o.maxresults ? items.slice(0, o.maxresults) : items, TABLES[collection].list);
    });
  objectTarget(group.command("list-versions").description(`List a ${noun}'s versions`), collection).action(async (o: ObjectTarget) =>
    print(await client().vaultList(o.vaultName, `${objectPath(collection, o)}/versions`), TABLES[collection].versions),
  );
  objectTarget(group.command("delete").description(`Delete a ${noun} (soft delete: recoverable until purged)`), collection).action(
    async (o: ObjectTarget) => print(await client().vaultCall(o.vaultName, "DELETE", objectPath(collection, o)), DELETED_OBJECT_TABLE),
  );
  objectTarget(group.command("recover").description(`Recover a deleted ${noun}`), collection, "deleted").action(async (o: ObjectTarget) =>
    print(await client().vaultCall(o.vaultName, "POST", `${deletedPath(collection, o)}/recover`), TABLES[collection].version),
  );
  objectTarget(group.command("purge").description(`Purge a deleted ${noun} for good`), collection, "deleted").action(
    async (o: ObjectTarget) => {
      await client().vaultCall(o.vaultName, "DELETE", deletedPath(collection, o));
    },
  );
  withIncludePending(vaultOnly(group.command("list-deleted").description(`List deleted ${collection}`)), collection).action(
    async (o: { vaultName: string; includePending?: boolean }) =>
      print(await client().vaultList(o.vaultName, listPath(`/deleted${collection}`, o)), DELETED_OBJECT_TABLE),
  );
  objectTarget(group.command("show-deleted").description(`Show a deleted ${noun}`), collection, "deleted").action(async (o: ObjectTarget) =>
    print(await client().vaultCall(o.vaultName, "GET", deletedPath(collection, o)), DELETED_OBJECT_TABLE),
  );
  objectTarget(group.command("backup").description(`Write a ${noun}'s backup (all versions, sealed) to a file`), collection)
    .requiredOption("-f, --file <file>", "where to write the backup")
    .option("--overwrite", "replace the file if it exists (by default an existing file is refused)")
    .action(async (o: ObjectTarget & { file: string; overwrite?: boolean }) => {
      const { value } = (await client().vaultCall(o.vaultName, "POST", `${objectPath(collection, o)}/backup`)) as { value: string };
      writeOutputFile(o.file, Buffer.from(value, "base64url"), o.overwrite);
    });
  vaultOnly(group.command("restore").description(`Restore a ${noun} from a backup file`))
    .requiredOption("-f, --file <file>", "the backup file")
    .action(async (o: { vaultName: string; file: string }) =>
      print(
        await client().vaultCall(o.vaultName, "POST", `/${collection}/restore`, { value: readInputFile(o.file).toString("base64url") }),
        TABLES[collection].version,
      ),
    );
}
