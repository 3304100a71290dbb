/**
 * Dev mode's clock, which tests may move forward (`POST /keyhold/dev/clock`) to see retention end and rotation
 * policies come due without waiting days. Production mode has no such clock: there is nothing to move.
 */
export class DevClock {
  #offsetSeconds = 0;

  readonly now = (): number => Math.floor(Date.now() / 1000) + this.#offsetSeconds;

  advance(seconds: number): number {
    this.#offsetSeconds += seconds;
    return this.#offsetSeconds;
  }
}
