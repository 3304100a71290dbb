import Database from "better-sqlite3";
import type { Store, StoreOps } from "../store.js";
import type { StoreMetrics } from "../store-metrics.js";
import { MIGRATIONS } from "./schema.js";
import { SqliteOps } from "./sqlite-ops.js";
import { Statements } from "./statements.js";
import { Checkpointer } from "./checkpointer.js";
import { GroupCommit } from "./group-commit.js";
import { ReadCache } from "./read-cache.js";
import { WalSync } from "./wal-sync.js";

function openConnection(file: string, readonly: boolean): Database.Database {
  const db = new Database(file, { readonly, fileMustExist: readonly });
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  if (!readonly) {
    db.pragma("journal_mode = WAL");
    // NORMAL: checkpoints are synced; the sync at each commit is group-commit.ts's, off the event loop, before
    // any writer is answered. Together the same durability as FULL (https://www.sqlite.org/pragma.html#pragma_synchronous).
    db.pragma("synchronous = NORMAL");
    db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
    // A deleted row's bytes are overwritten with zeros in the database file, not left in free space: a purge
    // must erase what it removes (the WAL's older copies are emptied after each purge, see SqliteStore).
    db.pragma("secure_delete = ON");
  }
  return db;
}

/**
 * The writer's own automatic checkpoint, which runs inside a COMMIT on the event loop, only past this many WAL
 * pages (SQLite's default is 1,000): checkpoints are the checkpoint thread's (checkpointer.ts). The WAL starts
 * over only after a checkpoint that copied all of it, which the thread's never do while writes go on without a
 * pause; this mark does it then, copying only what the thread has not (some 200 ms of writes), and keeps the WAL
 * file under about 16 MB. A 1,000-secret import (some 1,200 pages) stays well under it.
 */
const WRITER_CHECKPOINT_PAGES = 4_000;
/** SQLite's default, restored should the checkpoint thread fail. */
const SQLITE_DEFAULT_CHECKPOINT_PAGES = 1_000;

function migrate(db: Database.Database): void {
  const current = Number(db.pragma("user_version", { simple: true }));
  if (current > MIGRATIONS.length) {
    throw new Error(`the store's schema (version ${current}) is newer than this Keyhold (version ${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * The embedded store: one SQLite file in WAL mode, a write connection whose transactions are grouped into
 * shared commits (group-commit.ts), and a reader connection for everything read outside a transaction.
 */
export class SqliteStore extends SqliteOps implements Store {
  readonly #writerDb: Database.Database;
  readonly #readerDb: Database.Database;
  readonly #commits: GroupCommit;
  readonly #wal: WalSync;
  readonly #checkpoints: Checkpointer;
  readonly #tx: SqliteOps;
  readonly #eraseAfter: <T>(committed: Promise<T>) => Promise<T>;

  static open(file: string): SqliteStore {
    const writerDb = openConnection(file, false);
    migrate(writerDb);
    return new SqliteStore(writerDb, openConnection(file, true), file);
  }

  private constructor(writerDb: Database.Database, readerDb: Database.Database, file: string) {
    const wal = new WalSync(`${file}-wal`);
    const checkpoints = new Checkpointer(file, () => writerDb.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_CHECKPOINT_PAGES}`));
    const reader = new Statements(readerDb);
    // The hot reads (vault, credential, grants, live version: every request) are remembered until a commit.
    const cache = new ReadCache(reader.get("PRAGMA data_version"));
    const commits = new GroupCommit(writerDb, () => {
      cache.invalidate();
      checkpoints.committed();
      return wal.flush();
    });
    const writer = new Statements(writerDb);
    // After a purge commits, the WAL may still hold older copies of the purged rows' pages: they are copied
    // over (zeroed, thanks to secure_delete) and the WAL emptied before the purge is answered.
    // Every transaction that committed with the purge waits for the one erasure its commit started.
    let pending = false;
    let erasing: Promise<void> | null = null;
    const purged = () => {
      pending = true;
    };
    const erase = async () => {
      if (!(await checkpoints.truncate()) && !writerDb.inTransaction) writerDb.pragma("wal_checkpoint(TRUNCATE)");
    };
    const eraseAfter = async <T>(committed: Promise<T>): Promise<T> => {
      const result = await committed;
      if (pending) {
        pending = false;
        erasing = erase().finally(() => {
          erasing = null;
        });
      }
      if (erasing) await erasing;
      return result;
    };
    super(reader, writer, (work) => eraseAfter(commits.run(async () => work())), cache, purged);
    this.#eraseAfter = eraseAfter;
    this.#writerDb = writerDb;
    this.#readerDb = readerDb;
    this.#commits = commits;
    this.#wal = wal;
    this.#checkpoints = checkpoints;
    // Inside a unit, each operation gets its own savepoint too, so it is atomic on its own.
    // Made once: better-sqlite3 turns it into SAVEPOINT/RELEASE when called inside the batch's transaction.
    const atomically = writerDb.transaction((work: () => unknown) => work());
    this.#tx = new SqliteOps(writer, writer, async <T>(w: () => T) => atomically(w) as T, undefined, purged);
  }

  /** One process owns an embedded store (cluster workers serve, the primary does the background work). */
  async leads(): Promise<boolean> {
    return true;
  }

  /** Oldest first: the outbox's rowid is the order its trigger released them in. */
  async releasedBackendRefs(limit: number): Promise<string[]> {
    return this.read.get("SELECT ref FROM released_backend_refs ORDER BY rowid LIMIT ?").pluck().all(limit) as string[];
  }

  async forgetReleasedBackendRefs(refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    await this.write(() => {
      const forget = this.writer.get("DELETE FROM released_backend_refs WHERE ref = ?");
      for (const ref of refs) forget.run(ref);
    });
  }

  /** Reads are in-process (and mostly cached): what is measured is each group commit, its size and its sync. */
  reportTo(metrics: StoreMetrics): void {
    this.#commits.metrics = metrics;
  }

  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    return this.#eraseAfter(this.#commits.run(() => work(this.#tx)));
  }

  async close(): Promise<void> {
    await this.#commits.idle();
    await this.#checkpoints.close();
    await this.#wal.close();
    this.#readerDb.close();
    this.#writerDb.close();
  }
}
