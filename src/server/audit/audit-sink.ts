/** The last entry a sink holds for this node: its sequence number and the SHA-256 of its line. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Where the trail's lines go. A sink keeps one node's chain: the file sink one series of files per node, a
 * database sink (planned, for clusters) one table keyed by node and sequence. `write` resolves only once the lines
 * would survive a crash; after a failed write the trail asks `head` again, so a sink reports what it really holds.
 */
export interface AuditSink {
  head(): Promise<ChainHead>;
  /** Lines in chain order, each ending in a newline. */
  write(lines: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
