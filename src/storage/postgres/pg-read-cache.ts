/**
 * The PostgreSQL adapter's read cache: remembers the hot reads (vault, credential, grants, live version) until
 * the database changes, exactly as fresh as reading through.
 *
 * Freshness: the first cached read of each turn of the event loop asks for the server's WAL position
 * (`pg_current_wal_lsn()`); when it moved (any commit, from any node, moves it) everything is forgotten. Reads
 * in that same turn share the answer, and only they: every request they serve had arrived before the question
 * was asked, so a commit acknowledged before such a request arrived is already counted. This process's own
 * writes forget everything at once (`invalidate`). The cost is one small query per turn instead of one per read.
 */
export class PgReadCache {
  #position: string | null = null;
  #turnCheck: Promise<void> | null = null;
  readonly #entries = new Map<string, Promise<unknown>>();
  readonly #endTurn = (): void => {
    this.#turnCheck = null;
  };

  constructor(
    private readonly walPosition: () => Promise<string>,
    private readonly limit = 10_000,
  ) {}

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.#turnCheck) {
      this.#turnCheck = this.#check();
      setImmediate(this.#endTurn);
    }
    await this.#turnCheck;
    const known = this.#entries.get(key);
    if (known) return known as Promise<T>;
    const loading = load();
    if (this.#entries.size < this.limit) {
      this.#entries.set(key, loading);
      loading.catch(() => this.#entries.delete(key));
    }
    return loading;
  }

  /** Forgets everything: this process has just written. */
  invalidate(): void {
    this.#entries.clear();
    this.#turnCheck = null;
  }

  async #check(): Promise<void> {
    const position = await this.walPosition();
    if (position !== this.#position) {
      this.#entries.clear();
      this.#position = position;
    }
  }
}
