import Database from "better-sqlite3";
import type { Store, StoreOps } from "../store.js";
import { MIGRATIONS } from "./schema.js";
import { SqliteOps } from "./sqlite-ops.js";
import { Statements } from "./statements.js";
import { WriteLock } from "./write-lock.js";

function openConnection(file: string, readonly: boolean): Database.Database {
  const db = new Database(file, { readonly, fileMustExist: readonly });
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  if (!readonly) {
    db.pragma("journal_mode = WAL");
    // FULL: the WAL is fsync'd at every commit, so an acknowledged write survives a crash of the process
    // and of the machine (https://www.sqlite.org/pragma.html#pragma_synchronous).
    db.pragma("synchronous = FULL");
  }
  return db;
}

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
 * The embedded store: one SQLite file in WAL mode, a write connection serialised by a lock (transactions may
 * span awaits) and a reader connection for everything read outside a transaction.
 */
export class SqliteStore extends SqliteOps implements Store {
  readonly #writerDb: Database.Database;
  readonly #readerDb: Database.Database;
  readonly #lock: WriteLock;

  static open(file: string): SqliteStore {
    const writerDb = openConnection(file, false);
    migrate(writerDb);
    return new SqliteStore(writerDb, openConnection(file, true));
  }

  private constructor(writerDb: Database.Database, readerDb: Database.Database) {
    const lock = new WriteLock();
    const writer = new Statements(writerDb);
    super(new Statements(readerDb), writer, (work) => lock.run(() => writerDb.transaction(work).immediate()));
    this.#writerDb = writerDb;
    this.#readerDb = readerDb;
    this.#lock = lock;
  }

  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    return this.#lock.run(async () => {
      // Each operation runs in a savepoint, so one that fails leaves the transaction as it was (atomic on its own).
      const tx = new SqliteOps(this.writer, this.writer, async (w) => this.#writerDb.transaction(w)());
      this.#writerDb.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(tx);
        this.#writerDb.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#writerDb.inTransaction) this.#writerDb.exec("ROLLBACK");
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.#lock.run(() => undefined);
    this.#readerDb.close();
    this.#writerDb.close();
  }
}
