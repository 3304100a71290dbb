import type Database from "better-sqlite3";

interface Pending {
  work: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit on the one SQLite write connection. Units of work that arrive while a batch is being written
 * wait for the next batch; each batch is one transaction and one fsync. Inside it every unit runs in its own
 * savepoint, so a unit that fails is undone alone and the others still commit. A unit's promise settles only
 * after the COMMIT that made it durable. Units may await (the tx's operations, crypto), but run one at a time.
 */
export class GroupCommit {
  #queue: Pending[] = [];
  #draining: Promise<void> | null = null;

  constructor(private readonly db: Database.Database) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= new Promise<void>((done) => setImmediate(() => this.#drain().then(done)));
    });
  }

  /** Resolves once everything queued so far is committed or refused. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      const outcomes: { ok: boolean; value: unknown }[] = [];
      try {
        this.db.exec("BEGIN IMMEDIATE");
      } catch (error) {
        for (const item of batch) item.reject(error);
        continue;
      }
      for (const item of batch) {
        this.db.exec("SAVEPOINT unit");
        try {
          const value = await item.work();
          this.db.exec("RELEASE unit");
          outcomes.push({ ok: true, value });
        } catch (error) {
          this.db.exec("ROLLBACK TO unit");
          this.db.exec("RELEASE unit");
          outcomes.push({ ok: false, value: error });
        }
      }
      try {
        this.db.exec("COMMIT");
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        for (const item of batch) item.reject(error);
        continue;
      }
      batch.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
    }
    this.#draining = null;
  }
}
