import type { Statement } from "better-sqlite3";

const LIMIT = 10_000;

/**
 * Remembers reads of the reader connection until anything is committed. `PRAGMA data_version` changes when
 * any other connection — this process's writer or another process — commits (sqlite.org/pragma.html
 * #pragma_data_version), and then everything is forgotten: reads stay exactly as fresh as the store.
 * Only sealed records are kept, never an opened secret.
 */
export class ReadCache {
  #dataVersion = -1;
  readonly #entries = new Map<string, unknown>();

  constructor(private readonly dataVersion: Statement) {}

  get<T>(key: string, load: () => T): T {
    const current = this.dataVersion.pluck().get() as number;
    if (current !== this.#dataVersion) {
      this.#entries.clear();
      this.#dataVersion = current;
    }
    if (this.#entries.has(key)) return this.#entries.get(key) as T;
    const value = load();
    if (this.#entries.size < LIMIT) this.#entries.set(key, value);
    return value;
  }
}
