import type { ReadCache } from "./read-cache.js";
import type { Statements } from "./statements.js";

/**
 * What every part of the SQLite adapter shares. Reads use `read` (the reader connection, or the writer inside a
 * transaction); writes run through `write`, which the owner makes atomic and serialised.
 */
export abstract class SqliteBase {
  constructor(
    protected readonly read: Statements,
    protected readonly writer: Statements,
    protected readonly write: <T>(work: () => T) => Promise<T>,
    /** For the reader connection only: reads inside a transaction must see its own writes. */
    protected readonly cache?: ReadCache,
    /** Told when a purge deleted something, whose old bytes the owner must then erase from the WAL. */
    protected readonly purged: () => void = () => {},
  ) {}

  /** A read remembered until the next commit (reader connection), or done at once (inside a transaction). */
  protected cached<T>(key: string, load: () => T): T {
    return this.cache ? this.cache.get(key, load) : load();
  }
}
