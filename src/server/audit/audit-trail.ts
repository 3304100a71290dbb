import { createHmac } from "node:crypto";
import { type AuditCheckpoint, type AuditRecord, type ChainPosition, formatEntry, lineHash } from "./audit-entry.js";
import type { AuditSigner } from "./audit-signer.js";
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
}

/** How long an entry nobody waits for (an outcome) may wait for a batch to join before it is written alone. */
const SOON_MS = 50;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The hash-chained, checkpointed audit trail of one node. Entries are written in batches (group commit): whoever
 * appends while a batch is being written joins the next one, and every batch is one write and one fdatasync, so
 * durability costs one disk flush per batch, not per request. `append` resolves once the entry is durable.
 */
export class AuditTrail {
  readonly #queue: AuditRecord[] = [];
  readonly #waiters: Waiter[] = [];
  #draining: Promise<void> | null = null;
  /** The chain's last durable entry, or null when a failed write left it to be read again from the sink. */
  #head: ChainHead | null;
  #sinceCheckpoint = 0;
  #checkpointDue = false;
  /** Queued entries someone waits on: while there are none, the queue waits up to SOON_MS for company. */
  #urgentQueued = 0;
  #soonTimer: NodeJS.Timeout | null = null;
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

  /**
   * Queues an entry; the promise resolves once it is durable. `now`: a request waits on it, so a batch starts at
   * once; `soon`: nothing waits (an outcome, written after the answer), so it joins the next batch, or is written
   * within SOON_MS, rather than costing a disk flush of its own.
   */
  append(record: AuditRecord, when: "now" | "soon" = "now"): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push(record);
      this.#waiters.push({ resolve, reject });
      if (when === "now") {
        this.#urgentQueued += 1;
        this.#kick();
      } else {
        this.#kickSoon();
      }
    });
  }

  /** An identifier a caller claimed but did not prove, as it may be logged: HMAC-SHA256 under the audit key. */
  claimedIdHmac(value: string): string {
    return createHmac("sha256", this.options.hmacKey).update(value, "utf8").digest("hex");
  }

  /** Writes what is queued and a last checkpoint, then closes the sink. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#kick();
    await this.#idle();
    if (this.#sinceCheckpoint > 0) {
      this.#checkpointDue = true;
      this.#kick();
      await this.#idle();
    }
    await this.sink.close();
  }

  /** Resolves once nothing is being written or waits to be. */
  async #idle(): Promise<void> {
    for (let draining = this.#draining; draining; draining = this.#draining) await draining;
  }

  #kick(): void {
    if (this.#soonTimer) clearTimeout(this.#soonTimer);
    this.#soonTimer = null;
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      // Appended after the loop last looked, before this ran: nobody else will write it.
      if (this.#urgentQueued > 0 || this.#checkpointDue) this.#kick();
      else if (this.#queue.length > 0) this.#kickSoon();
    });
  }

  #kickSoon(): void {
    if (this.#soonTimer || this.#draining) return;
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
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.options.onWrite?.(false);
        for (const waiter of waiters) waiter.reject(error);
      }
    }
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
    const checkpoint = this.#checkpointDue || this.#sinceCheckpoint + records.length >= this.options.checkpointEvery;
    this.#checkpointDue = false;
    if (checkpoint) add((position) => ({ type: "checkpoint", keyId: this.signer.keyId, signature: this.signer.sign(position) }));
    this.#head = null;
    await this.sink.write(lines);
    this.#head = { seq, hash };
    this.#sinceCheckpoint = checkpoint ? 0 : this.#sinceCheckpoint + records.length;
  }
}
