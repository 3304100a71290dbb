import type Database from "better-sqlite3";
import { type StoreMetrics, UNMEASURED, secondsSince } from "../store-metrics.js";

interface Pending {
  work: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit on the one SQLite write connection. Units of work that arrive while a batch is being written
 * wait for the next batch; each batch is one transaction and one fsync. Inside it every unit runs in its own
 * savepoint, so a unit that fails is undone alone and the others still commit. Units may await (the tx's
 * operations, crypto), but run one at a time.
 *
 * Durability: the connection runs with synchronous=NORMAL, under which SQLite syncs the WAL before and the
 * database after every checkpoint but not at a commit (sqlite.org/pragma.html#pragma_synchronous). The commit's
 * sync is done in `afterCommit` instead (the store's: an fdatasync of the WAL file on the thread pool, see
 * wal-sync.ts), and a unit's promise settles only after it. Together that is synchronous=FULL, except that the event loop keeps serving
 * requests (and gathering the next batch) while the disk flushes. What readers see in the moment between the
 * COMMIT and the end of the flush is committed but not yet on disk; no writer has been answered for it yet.
 */
export class GroupCommit {
  #queue: Pending[] = [];
  #draining: Promise<void> | null = null;
  /** Told of each batch: its size, and how long it took to commit and sync. */
  metrics: StoreMetrics = UNMEASURED;
  readonly #sql: Record<"begin" | "savepoint" | "release" | "rollbackTo" | "commit" | "rollback", Database.Statement>;

  constructor(
    private readonly db: Database.Database,
    /** Runs after each COMMIT; the batch's units settle when it resolves, and fail if it rejects. */
    private readonly afterCommit: () => Promise<void>,
  ) {
    // Prepared once: these run for every unit, and db.exec would parse them each time.
    this.#sql = {
      begin: db.prepare("BEGIN IMMEDIATE"),
      savepoint: db.prepare("SAVEPOINT unit"),
      release: db.prepare("RELEASE unit"),
      rollbackTo: db.prepare("ROLLBACK TO unit"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
    };
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= new Promise<void>((done) => setImmediate(() => void this.#drain().then(done)));
    });
  }

  /** Resolves once everything queued so far is committed or refused. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      const started = performance.now();
      this.metrics.batch(batch.length);
      const outcomes: { ok: boolean; value: unknown }[] = [];
      try {
        this.#sql.begin.run();
      } catch (error) {
        this.metrics.work("commit", secondsSince(started), false);
        for (const item of batch) item.reject(error);
        continue;
      }
      for (const item of batch) {
        this.#sql.savepoint.run();
        try {
          const value = await item.work();
          this.#sql.release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          this.#sql.rollbackTo.run();
          this.#sql.release.run();
          outcomes.push({ ok: false, value: error });
        }
      }
      try {
        this.#sql.commit.run();
        await this.afterCommit();
      } catch (error) {
        if (this.db.inTransaction) this.#sql.rollback.run();
        this.metrics.work("commit", secondsSince(started), false);
        for (const item of batch) item.reject(error);
        continue;
      }
      this.metrics.work("commit", secondsSince(started), true);
      batch.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
    }
    this.#draining = null;
  }
}
