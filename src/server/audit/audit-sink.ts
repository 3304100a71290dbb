/** The last entry a sink holds for this node: its sequence number and the SHA-256 of its line. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Where the trail's lines go. A sink keeps one node's chain: the file sink one series of files per node, the
 * PostgreSQL sink one table keyed by node and sequence. After a failed write the trail asks `head` again, so a
 * sink reports what it really holds. Two levels of safety (docs/audit.md): written lines survive a crash of
 * this process, synced lines a crash of the machine.
 */
import type { AuditSearch } from "./audit-search.js";

export interface AuditSink {
  head(): Promise<ChainHead>;
  /** Lines in chain order, each ending in a newline; resolves once they survive this process's crash. */
  write(lines: readonly string[]): Promise<void>;
  /** Resolves once every line written before the call survives the machine's crash. May run beside `write`. */
  sync(): Promise<void>;
  close(): Promise<void>;
  /**
   * The newest `limit` entries matching the search, newest first, of every node whose chain this sink's storage
   * holds. Absent for a sink that cannot be read back (standard output: the collector keeps the lines).
   */
  search?(filter: AuditSearch, limit: number): Promise<string[]>;
}
