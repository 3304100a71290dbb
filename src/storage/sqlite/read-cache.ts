import type { Statement } from "better-sqlite3";

const LIMIT = 10_000;

/**
 * Remembers reads of the reader connection until anything is committed. `PRAGMA data_version` changes when
 * another connection — this process's writer or another process — commits (sqlite.org/pragma.html
 * #pragma_data_version). Only sealed records and metadata are kept, never an opened secret.
 *
 * Freshness: the pragma is asked at the first cached read of each turn of the event loop, not at every read
 * (it costs a read transaction). A commit by this process calls `invalidate()` at once. A commit by another
 * process is seen from the next turn; a request sent after that commit was acknowledged arrived after it,
 * so the first read of the turn that carries the request already sees it.
 */
export class ReadCache {
  #dataVersion = -1;
  #checked = false;
  readonly #entries = new Map<string, unknown>();
  readonly #endTurn = (): void => {
    this.#checked = false;
  };

  constructor(private readonly dataVersion: Statement) {}

  get<T>(key: string, load: () => T): T {
    if (!this.#checked) this.#check();
    if (this.#entries.has(key)) return this.#entries.get(key) as T;
    const value = load();
    if (this.#entries.size < LIMIT) this.#entries.set(key, value);
    return value;
  }

  /** Forgets everything: this process has just committed. */
  invalidate(): void {
    this.#entries.clear();
    this.#checked = false;
  }

  #check(): void {
    const current = this.dataVersion.pluck().get() as number;
    if (current !== this.#dataVersion) {
      this.#entries.clear();
      this.#dataVersion = current;
    }
    this.#checked = true;
    setImmediate(this.#endTurn);
  }
}
