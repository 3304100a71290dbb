/**
 * Cuts long loops of synchronous work (parsing, AES-GCM seals, SQLite statements) into slices, so that one
 * request's bulk work never keeps the others (every vault's) waiting for long: a loop calls `pauseIfDue()`
 * before each item, and it hands the event loop back once sliced work has held it for SLICE_MS.
 *
 * 10 ms leaves room, under the 50 ms a request may hold the event loop, for what cannot be cut up (parsing the
 * body, a COMMIT, garbage collection). One clock for every loop in the process, started when sliced work last
 * resumed: whatever ran since counts too, so a loop that starts after other work (a body parsed, another loop)
 * gives way at once instead of adding its own 10 ms to theirs.
 */
export const SLICE_MS = 10;

let resumedAt = Number.NEGATIVE_INFINITY;

export async function pauseIfDue(): Promise<void> {
  if (performance.now() - resumedAt < SLICE_MS) return;
  // setImmediate, not a resolved promise: microtasks run before any I/O, and the point is to let I/O in.
  await new Promise<void>((resolve) => setImmediate(resolve));
  resumedAt = performance.now();
}

/** `items.map(f)`, giving the event loop back between items (pauseIfDue). */
export async function mapSliced<T, U>(items: readonly T[], f: (item: T, index: number) => U): Promise<U[]> {
  const out: U[] = [];
  for (let i = 0; i < items.length; i++) {
    await pauseIfDue();
    out.push(f(items[i]!, i));
  }
  return out;
}
