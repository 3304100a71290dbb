import { createHmac } from "node:crypto";
import { type AuditCheckpoint, type AuditRecord, type ChainPosition, formatEntry, lineHash } from "./audit-entry.js";
import type { AuditSigner } from "./audit-signer.js";
import type { AuditSearch } from "./audit-search.js";
import type { AuditSink, ChainHead } from "./audit-sink.js";

export interface AuditTrailOptions {
  /** This node's id: each node keeps a chain of its own. */
  node: string;
  /** A checkpoint after this many entries, or after `checkpointIntervalMs` when there is anything to sign. */
  checkpointEvery: number;
  checkpointIntervalMs: number;
  /** The key of `claimedIdHmac`, derived from the master key. */
  hmacKey: Buffer;
  /** Told of each batch written or lost (metrics). */
  onWrite?: (ok: boolean) => void;
  /**
   * Told of each checkpoint once written, to send it somewhere the trail's files are not (the server log): whoever
   * rewrites the files must then rewrite that too.
   */
  onCheckpoint?: (checkpoint: SignedCheckpoint) => void;
}

/** A checkpoint with its place in the chain, as written. */
export type SignedCheckpoint = ChainPosition & AuditCheckpoint;

/** How long an entry nobody waits for (an outcome), or a written line, may wait to be written or flushed. */
const SOON_MS = 50;

/**
 * What an append waits for: `durable`, its line flushed to disk (survives the machine's crash); `written`, its
 * line handed to the operating system (survives this process's crash, and is flushed within SOON_MS); `later`,
 * nobody waits, it joins the next batch or is written within SOON_MS.
 */
export type AuditWait = "durable" | "written" | "later";

interface Waiter {
  wait: AuditWait;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The hash-chained, checkpointed audit trail of one node. Entries are written in batches (group commit): whoever
 * appends while a batch is being written joins the next one, and every batch is one write. Flushes are grouped
 * the same way and run beside the writes, so an entry that needs only to be written never waits for a disk
 * flush, and a disk flush covers every batch written before it.
 */
export class AuditTrail {
  readonly #queue: AuditRecord[] = [];
  readonly #waiters: Waiter[] = [];
  #draining: Promise<void> | null = null;
  /** The chain's last written entry, or null when a failed write left it to be read again from the sink. */
  #head: ChainHead | null;
  #sinceCheckpoint = 0;
  #checkpointDue = false;
  /** Queued entries someone waits on: while there are none, the queue waits up to SOON_MS for company. */
  #urgentQueued = 0;
  #soonTimer: NodeJS.Timeout | null = null;
  /** Set while an urgent entry waits for the end of this turn's I/O, so that the turn's requests share one write. */
  #thisTurn: NodeJS.Immediate | null = null;
  /** The flush that has not started yet (every later request for one joins it), and the one running. */
  #nextSync: Promise<void> | null = null;
  #runningSync: Promise<void> | null = null;
  /** The last write failed; the last flush failed: `/readyz` says so. */
  #writeFailed = false;
  #syncFailed = false;
  /** Set while written lines wait for the flush that SOON_MS after the first of them brings. */
  #syncTimer: NodeJS.Timeout | null = null;
  readonly #timer: NodeJS.Timeout;

  private constructor(
    private readonly sink: AuditSink,
    private readonly signer: AuditSigner,
    private readonly options: AuditTrailOptions,
    head: ChainHead,
  ) {
    this.#head = head;
    this.#timer = setInterval(() => {
      if (this.#sinceCheckpoint === 0) return;
      this.#checkpointDue = true;
      this.#kick();
    }, options.checkpointIntervalMs);
    this.#timer.unref();
  }

  /** Continues the node's chain where the sink left it (a restart, a new file). */
  static async open(sink: AuditSink, signer: AuditSigner, options: AuditTrailOptions): Promise<AuditTrail> {
    return new AuditTrail(sink, signer, options, await sink.head());
  }

  get node(): string {
    return this.options.node;
  }

  /** Queues an entry; the promise resolves once it is as safe as `wait` asks (AuditWait), or rejects if it cannot be. */
  append(record: AuditRecord, wait: AuditWait = "durable"): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push(record);
      this.#waiters.push({ wait, resolve, reject });
      if (wait === "later") {
        this.#kickSoon();
      } else {
        this.#urgentQueued += 1;
        this.#kickThisTurn();
      }
    });
  }

  /** The newest entries matching the search, newest first; null when the sink cannot be read back. */
  async search(filter: AuditSearch, limit: number): Promise<string[] | null> {
    return this.sink.search ? this.sink.search(filter, limit) : null;
  }

  /** An identifier a caller claimed but did not prove, as it may be logged: HMAC-SHA256 under the audit key. */
  claimedIdHmac(value: string): string {
    return createHmac("sha256", this.options.hmacKey).update(value, "utf8").digest("hex");
  }

  /**
   * Resolves if the trail can write: nothing failed since the last successful flush, or, after a failure, a
   * checkpoint can now be written and flushed (the same attempt lets the trail recover without a request).
   */
  async checkWritable(): Promise<void> {
    if (!this.#writeFailed && !this.#syncFailed) return;
    this.#checkpointDue = true;
    this.#kick();
    await this.#idle();
    if (this.#writeFailed) throw new Error("the audit trail cannot be written");
    await this.#sync();
  }

  /** Writes what is queued and a last checkpoint, flushes, then closes the sink. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#kick();
    await this.#idle();
    if (this.#sinceCheckpoint > 0) {
      this.#checkpointDue = true;
      this.#kick();
      await this.#idle();
    }
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    await this.#sync().catch(() => undefined);
    await this.sink.close();
  }

  /** Resolves once nothing is being written or waits to be. */
  async #idle(): Promise<void> {
    for (let draining = this.#draining; draining; draining = this.#draining) await draining;
  }

  #kick(): void {
    if (this.#soonTimer) clearTimeout(this.#soonTimer);
    this.#soonTimer = null;
    if (this.#thisTurn) clearImmediate(this.#thisTurn);
    this.#thisTurn = null;
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      // Appended after the loop last looked, before this ran: nobody else will write it.
      if (this.#urgentQueued > 0 || this.#checkpointDue) this.#kick();
      else if (this.#queue.length > 0) this.#kickSoon();
    });
  }

  /**
   * Writes once the event loop has run every callback of this turn's I/O: the requests read in one turn then
   * share one batch (one write(2)), where kicking at once would give each its own.
   */
  #kickThisTurn(): void {
    if (this.#thisTurn || this.#draining) return;
    this.#thisTurn = setImmediate(() => this.#kick());
  }

  #kickSoon(): void {
    if (this.#soonTimer || this.#thisTurn || this.#draining) return;
    this.#soonTimer = setTimeout(() => this.#kick(), SOON_MS);
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#checkpointDue) {
      const records = this.#queue.splice(0);
      const waiters = this.#waiters.splice(0);
      this.#urgentQueued = 0;
      try {
        await this.#writeBatch(records);
        this.options.onWrite?.(true);
        this.#writeFailed = false;
      } catch (error) {
        this.#writeFailed = true;
        this.options.onWrite?.(false);
        for (const waiter of waiters) waiter.reject(error);
        continue;
      }
      const durable = waiters.filter((waiter) => waiter.wait === "durable");
      for (const waiter of waiters) if (waiter.wait !== "durable") waiter.resolve();
      if (durable.length === 0) {
        this.#syncSoon();
        continue;
      }
      this.#sync().then(
        () => durable.forEach((waiter) => waiter.resolve()),
        (error: unknown) => durable.forEach((waiter) => waiter.reject(error)),
      );
    }
  }

  /**
   * A flush of everything written so far. Flushes run one at a time; a request made while one runs joins the
   * next, which starts when the running one ends and so covers every line written until then.
   */
  #sync(): Promise<void> {
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    this.#syncTimer = null;
    if (this.#nextSync) return this.#nextSync;
    const next: Promise<void> = (this.#runningSync ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        this.#nextSync = null;
        this.#runningSync = next;
        return this.sink.sync();
      })
      .then(
        () => {
          this.#syncFailed = false;
          this.options.onWrite?.(true);
        },
        (error: unknown) => {
          this.#syncFailed = true;
          this.options.onWrite?.(false);
          throw error;
        },
      )
      .finally(() => {
        if (this.#runningSync === next) this.#runningSync = null;
      });
    this.#nextSync = next;
    return next;
  }

  /** Written lines nobody waits to see flushed are flushed within SOON_MS all the same. */
  #syncSoon(): void {
    if (this.#syncTimer || this.#nextSync) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = null;
      // A failed flush is counted by #sync; the next durable entry's flush tries again and fails its request.
      this.#sync().catch(() => undefined);
    }, SOON_MS);
  }

  async #writeBatch(records: readonly AuditRecord[]): Promise<void> {
    let { seq, hash } = this.#head ?? (await this.sink.head());
    const time = new Date().toISOString();
    const lines: string[] = [];
    const add = (body: (position: ChainPosition) => AuditRecord | AuditCheckpoint) => {
      const position = { node: this.options.node, seq: seq + 1, time, prev: hash };
      const line = formatEntry(position, body(position));
      lines.push(`${line}\n`);
      seq = position.seq;
      hash = lineHash(line);
    };
    for (const record of records) add(() => record);
    const due = this.#checkpointDue || this.#sinceCheckpoint + records.length >= this.options.checkpointEvery;
    this.#checkpointDue = false;
    let checkpoint: SignedCheckpoint | null = null;
    if (due) {
      add((position) => {
        const body: AuditCheckpoint = { type: "checkpoint", keyId: this.signer.keyId, signature: this.signer.sign(position) };
        checkpoint = { ...position, ...body };
        return body;
      });
    }
    this.#head = null;
    await this.sink.write(lines);
    this.#head = { seq, hash };
    this.#sinceCheckpoint = due ? 0 : this.#sinceCheckpoint + records.length;
    if (checkpoint) this.options.onCheckpoint?.(checkpoint);
  }
}
