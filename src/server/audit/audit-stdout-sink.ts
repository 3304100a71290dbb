import { GENESIS_HASH, lineHash } from "./audit-entry.js";
import type { AuditSink, ChainHead } from "./audit-sink.js";

/**
 * Lines to standard output, for a platform that collects a container's output: durability is the collector's,
 * and a restart starts a new chain (the platform's log keeps the old one).
 */
export class StdoutAuditSink implements AuditSink {
  #head: ChainHead = { seq: 0, hash: GENESIS_HASH };

  constructor(private readonly out: { write(text: string, done: (error?: Error | null) => void): boolean } = process.stdout) {}

  async head(): Promise<ChainHead> {
    return this.#head;
  }

  write(lines: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.write(lines.join(""), (error) => {
        if (error) return reject(error);
        const last = lines.at(-1)?.trimEnd();
        if (last) this.#head = { seq: (JSON.parse(last) as { seq: number }).seq, hash: lineHash(last) };
        resolve();
      });
    });
  }

  /** Once the collector has the lines, keeping them is its job. */
  async sync(): Promise<void> {}

  async close(): Promise<void> {}
}
