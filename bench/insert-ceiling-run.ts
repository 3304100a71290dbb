/**
 * One measurement of PostgreSQL's own write ceiling: autocommit single-row INSERTs by many clients at once, for a
 * fixed time, by whichever generator ran them (pgbench when installed, else node `pg` in the bench's process).
 */
export interface InsertCeilingRun {
  /** What sent the INSERTs, as the row names it. */
  generator: string;
  connections: number;
  seconds: number;
  /** Committed INSERTs in the measured run. */
  transactions: number;
  /** Committed INSERTs per second (pgbench: without its initial connection time). */
  tps: number;
  latencyAvgMs: number;
  /** INSERTs that failed: none is expected, so any is reported as the row's errors. */
  failed: number;
}

/** How a generator is asked for one run; the table already exists (postgres-ceiling.ts). */
export interface InsertCeilingSpec {
  url: string;
  /** The INSERT of one row, with the sealed value as a hex bytea literal. */
  insertSql: string;
  connections: number;
  seconds: number;
}
