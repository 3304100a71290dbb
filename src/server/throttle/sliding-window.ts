/** Slices a window is counted in: a request leaves the count between 9/10 and all of a window after it came. */
export const SLICES = 10;

/**
 * Requests of one kind over the last window, kept as counts per tenth of the window in a ring: counting and
 * checking cost a few array steps and no allocation, which keeps the data plane's hot path as fast as without it.
 * Time is in milliseconds of a monotonic clock.
 */
export class SlidingWindow {
  readonly #slices = new Uint32Array(SLICES);
  #total = 0;
  /** The number of the slice now being filled (time divided by the slice length). */
  #current = 0;

  constructor(readonly sliceMs: number) {}

  /** Requests counted in the window that ends now. */
  count(nowMs: number): number {
    this.#moveTo(Math.floor(nowMs / this.sliceMs));
    return this.#total;
  }

  /** Counts one request now (after count(), which moved the window there). */
  add(): void {
    this.#slices[this.#current % SLICES]! += 1;
    this.#total += 1;
  }

  /** Milliseconds from now until fewer than `limit` requests remain in the window, as old slices leave it. */
  msUntilBelow(limit: number, nowMs: number): number {
    let left = this.count(nowMs);
    for (let step = 1; step <= SLICES; step++) {
      left -= this.#slices[(this.#current + step) % SLICES]!;
      if (left < limit) return (this.#current + step) * this.sliceMs - nowMs;
    }
    return SLICES * this.sliceMs;
  }

  #moveTo(slice: number): void {
    const steps = slice - this.#current;
    if (steps <= 0) return;
    if (steps >= SLICES) {
      this.#slices.fill(0);
      this.#total = 0;
    } else {
      for (let step = 1; step <= steps; step++) {
        const index = (this.#current + step) % SLICES;
        this.#total -= this.#slices[index]!;
        this.#slices[index] = 0;
      }
    }
    this.#current = slice;
  }
}
