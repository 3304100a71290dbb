import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HashJob, HashJobResult, HashWorkerData } from "./hash-worker.js";

/**
 * Where presented client secrets, identity headers and passwords are checked: a small pool of `node:worker_threads`
 * threads of its own, each running one scrypt at a time synchronously (hash-worker.ts).
 *
 * Why not `crypto.scrypt` on the libuv thread pool: that pool (4 threads) also runs the store's commit-time
 * fdatasync of the SQLite WAL (storage/sqlite/wal-sync.ts) and the key operations. A flood of wrong secrets,
 * each a scrypt of tens to hundreds of milliseconds, filled it, and every write waited behind the queue of
 * hashes for its fdatasync: secret set p50 went from milliseconds to near a second. Here the hashes have their own
 * threads, so the libuv pool stays free for the disk; at most `workers` cores ever hash, and on Linux those
 * threads run at a lower priority (nice 10 by default) than the event loop, so that hashing takes mostly CPU the
 * server is not using for requests.
 *
 * Bounded: at most `maxWaiting` jobs wait for a thread. When that many wait, verify() refuses at once with
 * HashPoolBusy (the token endpoint answers 429) instead of queueing more: a longer queue would only make every
 * legitimate client wait behind the flood. Threads start at the first check (not at server start) and do not keep
 * the process alive while idle.
 */
export class HashPoolBusy extends Error {
  constructor() {
    super("The hash pool is busy.");
  }
}

interface Job extends HashJob {
  resolve: (match: number) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
}

export interface HashPoolOptions {
  /** Threads (default: 1, or 2 on machines with more than 2 cores: never every core). */
  workers?: number;
  /** Jobs that may wait for a thread (default 8 per thread); one more is refused with HashPoolBusy. */
  maxWaiting?: number;
  /** The threads' nice value on Linux (default 10; 0 keeps the normal priority). */
  nice?: number;
}

export const defaultHashWorkers = (): number => Math.min(2, Math.max(1, availableParallelism() - 1));

export class HashPool {
  readonly workers: number;
  readonly maxWaiting: number;
  readonly nice: number;
  readonly #slots: Slot[];
  readonly #waiting: Job[] = [];
  #hashesChecked = 0;
  #closed = false;

  constructor(options: HashPoolOptions = {}) {
    this.workers = Math.max(1, options.workers ?? defaultHashWorkers());
    this.maxWaiting = Math.max(0, options.maxWaiting ?? 8 * this.workers);
    this.nice = Math.min(19, Math.max(0, options.nice ?? 10));
    this.#slots = Array.from({ length: this.workers }, () => ({ worker: null, job: null }));
  }

  /** Stored hashes checked so far (each one scrypt), for tests and diagnostics. */
  get hashesChecked(): number {
    return this.#hashesChecked;
  }

  /** Jobs waiting for a thread now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Whether a job submitted now would be refused (every thread busy, the queue full): a cheap early check. */
  get full(): boolean {
    return this.#waiting.length >= this.maxWaiting && this.#slots.every((slot) => slot.job !== null);
  }

  /**
   * Checks `secret` against every one of `hashes` (one scrypt each) and resolves to the index of the one it
   * matches, or -1. Rejects with HashPoolBusy, before doing any work, when the wait queue is full.
   */
  verify(secret: string, hashes: readonly string[]): Promise<number> {
    if (this.#closed) return Promise.reject(new Error("the hash pool is closed"));
    return new Promise<number>((resolve, reject) => {
      const job: Job = { secret, hashes: [...hashes], resolve, reject };
      const idle = this.#slots.find((slot) => slot.job === null);
      if (idle) this.#dispatch(idle, job);
      else if (this.#waiting.length < this.maxWaiting) this.#waiting.push(job);
      else reject(new HashPoolBusy());
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#waiting.splice(0)) job.reject(new Error("the hash pool is closed"));
    await Promise.all(
      this.#slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = null;
        slot.job?.reject(new Error("the hash pool is closed"));
        slot.job = null;
        await worker?.terminate();
      }),
    );
  }

  #dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    const worker = (slot.worker ??= this.#spawn(slot));
    // Referenced while it works, so that a pending check keeps the process alive; unreferenced when idle.
    worker.ref();
    worker.postMessage({ secret: job.secret, hashes: job.hashes } satisfies HashJob);
  }

  #spawn(slot: Slot): Worker {
    const worker = new Worker(new URL("./hash-worker.js", import.meta.url), { workerData: { nice: this.nice } satisfies HashWorkerData });
    worker.on("message", (result: HashJobResult) => {
      const job = slot.job;
      slot.job = null;
      if (job) {
        this.#hashesChecked += job.hashes.length;
        job.resolve(result.match);
      }
      this.#next(slot);
    });
    const lost = (error: unknown) => {
      if (slot.worker !== worker) return;
      // A thread that died takes its job with it; the next job starts a new thread.
      slot.worker = null;
      const job = slot.job;
      slot.job = null;
      job?.reject(error);
      if (!this.#closed) this.#next(slot);
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`hash pool thread exited with code ${code}`)));
    return worker;
  }

  #next(slot: Slot): void {
    const next = this.#waiting.shift();
    if (next) this.#dispatch(slot, next);
    else slot.worker?.unref();
  }
}

let shared: HashPool | undefined;

/** The process's one hash pool: every PrincipalService in a process shares it, so the bound is per process. */
export const sharedHashPool = (): HashPool => (shared ??= new HashPool());
