/**
 * Turns on an object, within this process: a transaction whose first operation names an object waits until this
 * process's earlier transactions on that object have ended, before it begins. Two SERIALIZABLE transactions that
 * both write one object cannot both commit, so without turns concurrent writes of one secret on one node would
 * mostly fail and run again. Correctness never rests on the turns (other nodes do not take them, and a turn waited
 * for too long is skipped): SERIALIZABLE still refuses whatever conflicts; the turns only make it rare on one node.
 */
export class PgObjectTurns {
  readonly #tails = new Map<string, Promise<void>>();

  constructor(private readonly maxWaitMs = 2_000) {}

  /** Waits for the turns taken before on `key` (at most `maxWaitMs`); returns the function that ends this one. */
  async take(key: string): Promise<() => void> {
    const previous = this.#tails.get(key);
    let end!: () => void;
    const tail = new Promise<void>((resolve) => (end = resolve));
    this.#tails.set(key, tail);
    if (previous) await this.#within(previous);
    return () => {
      end();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }

  /** Objects some transaction of this process is on, or waits for. */
  get size(): number {
    return this.#tails.size;
  }

  async #within(previous: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.maxWaitMs)));
    try {
      await Promise.race([previous, waited]);
    } finally {
      clearTimeout(timer);
    }
  }
}
