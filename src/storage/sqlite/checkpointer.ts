import { Worker } from "node:worker_threads";

/** How long after a commit the checkpoint runs: the commits of that while share it (and its two syncs). */
const DELAY_MS = 200;

/**
 * The WAL's checkpoints (its frames copied into the database file, after which the WAL starts over), done on a
 * worker thread with its own connection instead of inside a COMMIT on the event loop.
 *
 * Why: SQLite's automatic checkpoint runs within the COMMIT that takes the WAL past 1,000 pages: it syncs the
 * WAL, copies every frame since the last checkpoint and syncs the database file, with the event loop (every
 * request, every vault) waiting. A 1,000-secret import writes some 1,200 pages (a ~1 KB row of a WITHOUT ROWID
 * table takes an overflow page), so every such import paid a whole checkpoint, tens of milliseconds, in its
 * COMMIT. A PASSIVE checkpoint from another connection runs beside the writer and the readers.
 *
 * The writer keeps an automatic checkpoint at a higher mark (4,000 pages, SqliteStore): under writes that never
 * pause the WAL is never wholly copied by the thread, and so never starts over; that mark bounds it, and its
 * inline checkpoint then finds most frames already copied. Should the thread fail, `fallback` restores SQLite's usual automatic
 * checkpoint and nothing is asked of the thread again.
 */
export class Checkpointer {
  #worker: Worker | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  /** A commit arrived while a checkpoint was running: run another after it. */
  #again = false;
  #failed = false;
  #closed = false;

  constructor(
    private readonly file: string,
    private readonly fallback: () => void,
  ) {}

  /** After each commit. */
  committed(): void {
    if (this.#closed || this.#failed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running = this.#checkpoint().finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.committed();
        }
      });
    }, DELAY_MS);
    // A pending checkpoint never keeps the process alive: the next open, or the last close, does it anyway.
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    const worker = this.#worker;
    this.#worker = null;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    // Referenced until it has exited: an idle thread is unreferenced, and nothing else may keep the process alive.
    worker.ref();
    worker.postMessage("close");
    await exited;
  }

  /**
   * Copies the whole WAL into the database file and empties it (after a purge); false when the thread cannot
   * (it failed, or the store is closing), for the caller to do it another way.
   */
  async truncate(): Promise<boolean> {
    if (this.#closed || this.#failed) return false;
    await this.#running;
    if (this.#failed) return false;
    await this.#checkpoint("truncate");
    return !this.#failed;
  }

  #checkpoint(mode: "checkpoint" | "truncate" = "checkpoint"): Promise<void> {
    let worker: Worker;
    try {
      worker = this.#worker ??= this.#spawn();
    } catch {
      this.#fail();
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      // A checkpoint that failed ({ ok: false }: a disk error, say) is left to the next one, or to the writer's mark.
      const answered = () => {
        worker.off("exit", lost);
        worker.unref();
        done();
      };
      const lost = () => {
        worker.off("message", answered);
        this.#fail();
        done();
      };
      worker.once("message", answered);
      worker.once("exit", lost);
      // Referenced while it works, so that a close waits for it; unreferenced when idle.
      worker.ref();
      worker.postMessage(mode);
    });
  }

  #spawn(): Worker {
    const worker = new Worker(new URL("./checkpoint-worker.js", import.meta.url), { workerData: this.file });
    worker.on("error", () => this.#fail());
    worker.unref();
    return worker;
  }

  #fail(): void {
    if (this.#failed) return;
    this.#failed = true;
    const worker = this.#worker;
    this.#worker = null;
    void worker?.terminate();
    if (!this.#closed) this.fallback();
  }
}
