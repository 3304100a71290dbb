import { readFileSync } from "node:fs";
import { writeOutputFile } from "./output-file.js";
import type { Command } from "commander";
import { KeyholdClient } from "./keyhold-client.js";
import { parseDateTime, parsePositiveInteger, parseTags } from "./options.js";
import { print } from "./output.js";
import { withSpinner } from "./progress.js";

/** What secrets and keys share on the command line: addressing, attributes, and the soft-delete lifecycle. */
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

export type Collection = "secrets" | "keys";
const NOUN: Record<Collection, string> = { secrets: "secret", keys: "key" };

export const objectPath = (collection: Collection, o: ObjectTarget): string =>
  `/${collection}/${encodeURIComponent(o.name)}${o.version ? `/${encodeURIComponent(o.version)}` : ""}`;
const deletedPath = (collection: Collection, o: ObjectTarget): string => `/deleted${collection}/${encodeURIComponent(o.name)}`;

export function objectTarget(command: Command, collection: Collection, withVersion = false): Command {
  command.requiredOption("--vault-name <vault>", "vault name").requiredOption("-n, --name <name>", `${NOUN[collection]} name`);
  return withVersion ? command.option("--version <version>", "a version (default: the latest)") : command;
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

/** list, list-versions, delete, recover, purge, list-deleted, show-deleted, backup and restore. */
export function registerLifecycleCommands(group: Command, collection: Collection): void {
  const noun = NOUN[collection];
  const client = () => new KeyholdClient();

  vaultOnly(group.command("list").description(`List the ${collection} of a vault${collection === "secrets" ? " (no values)" : ""}`))
    .option("--maxresults <n>", "at most this many", parsePositiveInteger)
    .action(async (o: { vaultName: string; maxresults?: number }) => {
      const items = await withSpinner(`listing ${collection}`, client().vaultList(o.vaultName, `/${collection}`));
      print(o.maxresults ? items.slice(0, o.maxresults) : items);
    });
  objectTarget(group.command("list-versions").description(`List a ${noun}'s versions`), collection).action(async (o: ObjectTarget) =>
    print(await client().vaultList(o.vaultName, `${objectPath(collection, o)}/versions`)),
  );
  objectTarget(group.command("delete").description(`Delete a ${noun} (soft delete: recoverable until purged)`), collection).action(async (o: ObjectTarget) =>
    print(await client().vaultCall(o.vaultName, "DELETE", objectPath(collection, o))),
  );
  objectTarget(group.command("recover").description(`Recover a deleted ${noun}`), collection).action(async (o: ObjectTarget) =>
    print(await client().vaultCall(o.vaultName, "POST", `${deletedPath(collection, o)}/recover`)),
  );
  objectTarget(group.command("purge").description(`Purge a deleted ${noun} for good`), collection).action(async (o: ObjectTarget) => {
    await client().vaultCall(o.vaultName, "DELETE", deletedPath(collection, o));
  });
  vaultOnly(group.command("list-deleted").description(`List deleted ${collection}`)).action(async (o: { vaultName: string }) =>
    print(await client().vaultList(o.vaultName, `/deleted${collection}`)),
  );
  objectTarget(group.command("show-deleted").description(`Show a deleted ${noun}`), collection).action(async (o: ObjectTarget) =>
    print(await client().vaultCall(o.vaultName, "GET", deletedPath(collection, o))),
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
      print(await client().vaultCall(o.vaultName, "POST", `/${collection}/restore`, { value: readFileSync(o.file).toString("base64url") })),
    );
}
