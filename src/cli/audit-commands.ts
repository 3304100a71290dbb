import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { serveConfigSchema } from "../config/serve-config-schema.js";
import { auditFilesIn } from "../server/audit/audit-files.js";
import { type AuditSearch, matchesSearch } from "../server/audit/audit-search.js";
import { AuditTable } from "../server/audit/audit-table.js";
import { type AuditVerification, verifyAuditFiles, verifyAuditLines } from "../server/audit/audit-verify.js";
import { AUDIT_PUBLIC_KEY_FILE } from "../server/audit/open-audit-trail.js";
import { CliError } from "./cli-error.js";
import { parsePositiveInteger } from "./options.js";
import { print } from "./output.js";

interface Where {
  dir?: string;
  config?: string;
  /** The PostgreSQL sink's database, read instead of files. */
  database?: string;
}

const DEV_AUDIT_DIR = join(".keyhold", "audit");

/** The audit directory: `--dir`, else the one `--config` names (or its default), else the dev data directory's. */
async function auditDirOf(where: Where): Promise<string> {
  if (where.dir) return resolve(where.dir);
  if (!where.config) return resolve(DEV_AUDIT_DIR);
  const file = resolve(where.config);
  let settings;
  try {
    settings = serveConfigSchema.parse(JSON.parse(await readFile(file, "utf8")));
  } catch {
    throw new CliError(
      "InvalidConfig",
      `${where.config} is not a valid Keyhold config file (keyhold serve --config ${where.config} says why)`,
    );
  }
  return resolve(dirname(file), settings.audit.dir ?? join(dirname(settings.storeFile), "audit"));
}

/** The audit files to read: `--file`, or every file of the directory; one-line error when there are none. */
async function auditPaths(where: Where & { file?: string }): Promise<{ dir: string; paths: string[] }> {
  if (where.file) return { dir: dirname(resolve(where.file)), paths: [resolve(where.file)] };
  const dir = await auditDirOf(where);
  const paths = (await auditFilesIn(dir)).map((f) => f.path);
  if (paths.length === 0) throw new CliError("NoAuditFiles", `${dir} holds no audit files (give --dir, --config or --file)`);
  return { dir, paths };
}

/** Lines of several nodes, each node's in chain order, merged by time. */
function byTime(lines: readonly string[]): string[] {
  const timeOf = (line: string) => /"time":"([^"]+)"/.exec(line)?.[1] ?? "";
  return lines
    .map((line, i) => ({ line, i, time: timeOf(line) }))
    .sort((a, b) => a.time.localeCompare(b.time) || a.i - b.i)
    .map((e) => e.line);
}

/** Every line of the files, in chain order per node, then merged by time. */
async function entryLines(paths: readonly string[]): Promise<string[]> {
  return byTime((await Promise.all(paths.map(async (p) => (await readFile(p, "utf8")).split("\n").filter(Boolean)))).flat());
}

/** Works on the audit table of `--database`, with one-line errors when it cannot be reached or holds no trail. */
async function withAuditTable<T>(databaseUrl: string, work: (table: AuditTable) => Promise<T>): Promise<T> {
  let table: AuditTable;
  try {
    table = await AuditTable.connect(databaseUrl);
  } catch (error) {
    throw new CliError("DatabaseUnreachable", `the database of --database cannot be reached: ${(error as Error).message}`);
  }
  try {
    if ((await table.nodes()).length === 0) throw new CliError("NoAuditEntries", "the database's audit_entries table holds no entries");
    return await work(table);
  } catch (error) {
    if ((error as { code?: string }).code === "42P01")
      throw new CliError("NoAuditTrail", "the database holds no audit trail (no audit_entries table: no Keyhold server has used it)");
    throw error;
  } finally {
    await table.close().catch(() => undefined);
  }
}

/** The key that checks the checkpoints: `--public-key`, else the one the server stored beside the trail (if any). */
async function publicKeyOf(given: string | undefined, stored: () => Promise<string[]>): Promise<string | null> {
  if (given) {
    const pem = await readFile(resolve(given), "utf8").catch(() => null);
    if (pem === null) throw new CliError("FileNotFound", `${given} cannot be read`);
    return pem;
  }
  const keys = await stored();
  if (keys.length > 1)
    throw new CliError("AmbiguousAuditKey", "the trail is stored with several public keys: give the audit key with --public-key");
  return keys[0] ?? null;
}

/** The verification's result as `verify` prints it, or its first problem as the command's one error line. */
function report(result: AuditVerification, where: Record<string, number>): void {
  if (result.problem) {
    const p = result.problem;
    throw new CliError(
      "AuditTrailBroken",
      `${p.source}, line ${p.line}${p.seq === null ? "" : ` (seq ${p.seq})`}: ${p.kind}: ${p.message}`,
    );
  }
  print({
    ...where,
    entries: result.entries,
    checkpoints: result.checkpoints,
    signaturesChecked: result.signaturesChecked,
    unsignedTail: result.unsignedTail,
    verified: true,
  });
}

/** `--since`: an ISO 8601 time or a span back from now (`90s`, `30m`, `12h`, `7d`), as epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const span = /^(\d+)([smhd])$/.exec(value);
  if (span) return now - Number(span[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[span[2] as "s" | "m" | "h" | "d"];
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError("must be an ISO 8601 time (2027-01-31T00:00:00Z) or a span such as 30m, 12h, 7d");
  return ms;
}

const LOCATION_HELP = "audit directory (default: ./.keyhold/audit, the dev server's)";
const DATABASE_HELP = "read the trail from this PostgreSQL database (audit.sink postgres) instead of files; password: PGPASSWORD";

/** `keyhold audit …`: reads and checks the audit trail's files on this machine, or its table in PostgreSQL (docs/audit.md). */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command("audit")
    .description("Check, follow and search the audit trail: its files, or its table in PostgreSQL (docs/audit.md)")
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold audit verify\n  keyhold audit tail --follow\n  keyhold audit search --vault my-vault --since 24h",
    );

  audit
    .command("verify")
    .description("Check that no entry was edited, removed or reordered and that every checkpoint is signed by the audit key")
    .option("--file <file>", "one audit file (a chain taken from where the file starts)")
    .option("--dir <dir>", LOCATION_HELP)
    .option("--config <file>", "the audit directory of this `keyhold serve` config file")
    .option("--public-key <file>", `the audit key, PEM (default: ${AUDIT_PUBLIC_KEY_FILE} beside the files, or the one in the database)`)
    .option("--database <url>", DATABASE_HELP)
    .addHelpText(
      "after",
      "\nExit status 1 names the first broken entry (file, or table and node; line; seq).\n\nExamples:\n  keyhold audit verify\n" +
        "  keyhold audit verify --config /etc/keyhold/config.json\n" +
        "  keyhold audit verify --file audit-node1-000003.jsonl --public-key key.pem\n" +
        "  keyhold audit verify --database postgres://keyhold@db:5432/keyhold --public-key key.pem",
    )
    .action(async (o: Where & { file?: string; publicKey?: string }) => {
      if (o.database) {
        await withAuditTable(o.database, async (table) => {
          const publicKey = await publicKeyOf(o.publicKey, () => table.publicKeys());
          report(await verifyAuditLines(table.runs(), publicKey), { nodes: (await table.nodes()).length });
        });
        return;
      }
      const { dir, paths } = await auditPaths(o);
      const publicKey = await publicKeyOf(o.publicKey, async () => {
        const pem = await readFile(join(dir, AUDIT_PUBLIC_KEY_FILE), "utf8").catch(() => null);
        return pem === null ? [] : [pem];
      });
      report(await verifyAuditFiles(paths, publicKey), { files: paths.length });
    });

  audit
    .command("tail")
    .description("Print the newest entries, one JSON line each")
    .option("-n, --lines <n>", "how many", parsePositiveInteger, 20)
    .option("-f, --follow", "keep printing entries as they are written (Ctrl-C stops)")
    .option("--dir <dir>", LOCATION_HELP)
    .option("--config <file>", "the audit directory of this `keyhold serve` config file")
    .option("--database <url>", DATABASE_HELP)
    .addHelpText("after", "\nExamples:\n  keyhold audit tail -n 50\n  keyhold audit tail --follow --dir /var/lib/keyhold/audit")
    .action(async (o: Where & { lines: number; follow?: boolean }) => {
      if (o.database) {
        await withAuditTable(o.database, async (table) => {
          const positions = await table.positions();
          for (const line of byTime(await table.newest(o.lines)).slice(-o.lines)) process.stdout.write(`${line}\n`);
          if (o.follow) await followTable(table, positions);
        });
        return;
      }
      const { dir, paths } = await auditPaths(o);
      for (const line of (await entryLines(paths)).slice(-o.lines)) process.stdout.write(`${line}\n`);
      if (o.follow) await follow(dir, paths);
    });

  audit
    .command("search")
    .description("Print the entries that match every filter given, one JSON line each")
    .option("--vault <name>", "entries for this vault")
    .option("--caller <id>", "entries of this principal or credential id")
    .option("--operation <op>", "Azure's operation name (SecretGet) or Keyhold's (secrets/get)")
    .option("--since <time>", "entries from this ISO 8601 time, or this span back (30m, 12h, 7d)", (v) => parseSince(v))
    .option("--dir <dir>", LOCATION_HELP)
    .option("--config <file>", "the audit directory of this `keyhold serve` config file")
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold audit search --vault my-vault --operation SecretGet --since 24h\n" +
        "  keyhold audit search --caller 3f2a…-principal-id --since 2027-01-31T00:00:00Z",
    )
    .option("--database <url>", DATABASE_HELP)
    .action(async (o: Where & AuditSearch) => {
      if (o.database) {
        await withAuditTable(o.database, async (table) => {
          const found: string[] = [];
          for await (const run of table.runs()) found.push(...run.lines.filter((line) => matchesSearch(line, o)));
          for (const line of byTime(found)) process.stdout.write(`${line}\n`);
        });
        return;
      }
      const { paths } = await auditPaths(o);
      for (const line of await entryLines(paths)) if (matchesSearch(line, o)) process.stdout.write(`${line}\n`);
    });
}

/** Polls the directory and prints what is appended to its files (and files that appear) until interrupted. */
async function follow(dir: string, initial: readonly string[]): Promise<never> {
  const printed = new Map<string, number>();
  for (const path of initial) printed.set(path, (await stat(path)).size);
  for (;;) {
    await new Promise((done) => setTimeout(done, 500));
    for (const { path } of await auditFilesIn(dir)) {
      const from = printed.get(path) ?? 0;
      const size = (await stat(path)).size;
      if (size <= from) continue;
      const text = (await readFile(path)).subarray(from, size).toString("utf8");
      const end = text.lastIndexOf("\n") + 1;
      process.stdout.write(text.slice(0, end));
      printed.set(path, from + Buffer.byteLength(text.slice(0, end)));
    }
  }
}

/** Polls the table and prints the lines written after `positions` until interrupted. */
async function followTable(table: AuditTable, positions: Map<string, number>): Promise<never> {
  for (;;) {
    await new Promise((done) => setTimeout(done, 500));
    for (const line of byTime(await table.linesAfter(positions))) process.stdout.write(`${line}\n`);
  }
}
