import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { serveConfigSchema } from "../config/serve-config-schema.js";
import { auditFilesIn } from "../server/audit/audit-files.js";
import { verifyAuditFiles } from "../server/audit/audit-verify.js";
import { AUDIT_PUBLIC_KEY_FILE } from "../server/audit/open-audit-trail.js";
import { CliError } from "./cli-error.js";
import { parsePositiveInteger } from "./options.js";
import { print } from "./output.js";

interface Where {
  dir?: string;
  config?: string;
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

/** Every line of the files, in chain order per node, then merged by time. */
async function entryLines(paths: readonly string[]): Promise<string[]> {
  const lines = (await Promise.all(paths.map(async (p) => (await readFile(p, "utf8")).split("\n").filter(Boolean)))).flat();
  const timeOf = (line: string) => /"time":"([^"]+)"/.exec(line)?.[1] ?? "";
  return lines
    .map((line, i) => ({ line, i, time: timeOf(line) }))
    .sort((a, b) => a.time.localeCompare(b.time) || a.i - b.i)
    .map((e) => e.line);
}

/** `--since`: an ISO 8601 time or a span back from now (`90s`, `30m`, `12h`, `7d`), as epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const span = /^(\d+)([smhd])$/.exec(value);
  if (span) return now - Number(span[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[span[2] as "s" | "m" | "h" | "d"];
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError("must be an ISO 8601 time (2027-01-31T00:00:00Z) or a span such as 30m, 12h, 7d");
  return ms;
}

interface SearchFilter {
  vault?: string;
  caller?: string;
  operation?: string;
  since?: number;
}

interface EntryFields {
  type?: string;
  time?: string;
  vault?: string | null;
  operation?: string;
  operationName?: string;
  caller?: { principalId?: string | null; credentialId?: string | null };
}

/** Whether an entry (never a checkpoint) matches every filter given; names compare without regard to case. */
export function matchesSearch(line: string, filter: SearchFilter): boolean {
  let entry: EntryFields;
  try {
    entry = JSON.parse(line) as EntryFields;
  } catch {
    return false;
  }
  const same = (a: string | null | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();
  if (entry.type === "checkpoint") return false;
  if (filter.vault && !same(entry.vault, filter.vault)) return false;
  if (filter.caller && !same(entry.caller?.principalId, filter.caller) && !same(entry.caller?.credentialId, filter.caller)) return false;
  if (filter.operation && !same(entry.operationName, filter.operation) && !same(entry.operation, filter.operation)) return false;
  if (filter.since !== undefined && Date.parse(entry.time ?? "") < filter.since) return false;
  return true;
}

const LOCATION_HELP = "audit directory (default: ./.keyhold/audit, the dev server's)";

/** `keyhold audit …`: reads and checks the audit trail's files on this machine (docs/audit.md). */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command("audit")
    .description("Check, follow and search the audit trail's files (docs/audit.md)")
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
    .option("--public-key <file>", `the audit key, PEM (default: ${AUDIT_PUBLIC_KEY_FILE} beside the files)`)
    .addHelpText(
      "after",
      "\nExit status 1 names the first broken entry (file, line, seq).\n\nExamples:\n  keyhold audit verify\n" +
        "  keyhold audit verify --config /etc/keyhold/config.json\n" +
        "  keyhold audit verify --file audit-node1-000003.jsonl --public-key key.pem",
    )
    .action(async (o: Where & { file?: string; publicKey?: string }) => {
      const { dir, paths } = await auditPaths(o);
      const keyFile = o.publicKey ? resolve(o.publicKey) : join(dir, AUDIT_PUBLIC_KEY_FILE);
      const publicKey = await readFile(keyFile, "utf8").catch(() => null);
      if (o.publicKey && publicKey === null) throw new CliError("FileNotFound", `${o.publicKey} cannot be read`);
      const result = await verifyAuditFiles(paths, publicKey);
      if (result.problem) {
        const p = result.problem;
        throw new CliError(
          "AuditTrailBroken",
          `${p.file}, line ${p.line}${p.seq === null ? "" : ` (seq ${p.seq})`}: ${p.kind}: ${p.message}`,
        );
      }
      print({
        files: paths.length,
        entries: result.entries,
        checkpoints: result.checkpoints,
        signaturesChecked: result.signaturesChecked,
        unsignedTail: result.unsignedTail,
        verified: true,
      });
    });

  audit
    .command("tail")
    .description("Print the newest entries, one JSON line each")
    .option("-n, --lines <n>", "how many", parsePositiveInteger, 20)
    .option("-f, --follow", "keep printing entries as they are written (Ctrl-C stops)")
    .option("--dir <dir>", LOCATION_HELP)
    .option("--config <file>", "the audit directory of this `keyhold serve` config file")
    .addHelpText("after", "\nExamples:\n  keyhold audit tail -n 50\n  keyhold audit tail --follow --dir /var/lib/keyhold/audit")
    .action(async (o: Where & { lines: number; follow?: boolean }) => {
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
    .action(async (o: Where & SearchFilter) => {
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
