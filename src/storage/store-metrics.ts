/**
 * What a store tells whoever measures it (the server's metrics), defined here so that the storage layer never
 * imports the server. The store calls these on its own path: implementations must be cheap and must not throw.
 */
export interface StoreMetrics {
  /**
   * One piece of store work ended, after `seconds`. `ok` is false when the store failed it (unreachable, a
   * commit or sync that failed), not when it refused a statement (a name taken, a row that changed).
   */
  work(kind: StoreWorkKind, seconds: number, ok: boolean): void;
  /** A group commit wrote this many units of work in one transaction and one sync. */
  batch(units: number): void;
  /** Where the connection pool's usage is read when metrics are collected (stores with a pool). */
  pool(usage: () => PoolUsage): void;
}

/**
 * `commit`: one group commit of the embedded store, its sync included. `query`: one PostgreSQL statement outside
 * a transaction (a round trip). `transaction`: one PostgreSQL transaction, however many statements it ran.
 */
export type StoreWorkKind = "commit" | "query" | "transaction";

export interface PoolUsage {
  /** Connections open, and of those the idle ones. */
  total: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  max: number;
}

/** Until the server asks a store to report, it reports to nobody. */
export const UNMEASURED: StoreMetrics = { work: () => undefined, batch: () => undefined, pool: () => undefined };

/** Seconds since `start`, a `performance.now()` reading. */
export const secondsSince = (start: number): number => (performance.now() - start) / 1000;
