import pg from "pg";
import type { Store, StoreOps } from "../store.js";
import { StoreUnavailableError } from "../store-unavailable.js";
import { type StoreMetrics, type StoreWorkKind, UNMEASURED, secondsSince } from "../store-metrics.js";
import type { Query } from "./pg-base.js";
import { PgObjectTurns } from "./pg-object-turns.js";
import { PgOps } from "./pg-ops.js";
import { prepared } from "./pg-prepared.js";
import { PgReadCache } from "./pg-read-cache.js";
import { PG_MIGRATIONS } from "./schema.js";
import { NeedsSerializable, type ObjectKey, PgTransaction } from "./pg-transaction.js";

/** One advisory lock key for schema migrations: nodes that start together take turns, and migrate once. */
const MIGRATION_LOCK = 0x6b68_6d67; // "khmg"
/** The leader's advisory lock: held by one session at a time, released by PostgreSQL when that session ends. */
const LEADER_LOCK = 0x6b68_6c64; // "khld"

/**
 * Connection failures, as opposed to refused statements: node's socket errors, the pool's own, and PostgreSQL's
 * classes 08 (connection exception) and 57P (operator intervention: shutdown, starting up).
 */
function unavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (
    typeof e.code === "string" &&
    (/^08/.test(e.code) ||
      /^57P0[1-3]$/.test(e.code) ||
      ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH"].includes(e.code))
  ) {
    return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message ?? "");
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw unavailable(error) ? new StoreUnavailableError(error) : error;
  }
}

/** Where this store's measurements go: nowhere until the server asks (`reportTo`). */
interface MetricsSink {
  metrics: StoreMetrics;
}

/** Runs store work and tells the metrics how long it took and whether the database could be reached for it. */
async function measured<T>(sink: MetricsSink, kind: StoreWorkKind, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await work();
    sink.metrics.work(kind, secondsSince(started), true);
    return result;
  } catch (error) {
    sink.metrics.work(kind, secondsSince(started), !(error instanceof StoreUnavailableError));
    throw error;
  }
}

/** Statements that change data (and so clear this process's read cache). */
const WRITE = /^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE|WITH)\b/i;

/** How often a transaction refused for a serialization conflict is run again. */
const MAX_ATTEMPTS = 30;

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>, begin = "BEGIN"): Promise<T> {
  await client.query(begin);
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await client.query("CREATE TABLE IF NOT EXISTS keyhold_schema (version INTEGER NOT NULL)");
    const current = Number((await client.query<{ v: number | null }>("SELECT max(version) AS v FROM keyhold_schema")).rows[0]?.v ?? 0);
    if (current > PG_MIGRATIONS.length) {
      throw new Error(`the database's schema (version ${current}) is newer than this Keyhold (version ${PG_MIGRATIONS.length})`);
    }
    for (let v = current; v < PG_MIGRATIONS.length; v++) {
      await inTransaction(client, async () => {
        await client.query(PG_MIGRATIONS[v]!);
        await client.query("INSERT INTO keyhold_schema (version) VALUES ($1)", [v + 1]);
      });
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/**
 * The PostgreSQL store, for several Keyhold nodes over one database: a connection pool, schema migrations under
 * an advisory lock, PostgreSQL's own transactions (SERIALIZABLE ones for `transaction`; the object row that hands
 * out version numbers is locked), and a read cache exactly as fresh as the database (pg-read-cache.ts).
 */
export class PostgresStore extends PgOps implements Store {
  readonly #pool: pg.Pool;
  readonly #cache: PgReadCache;
  readonly #sink: MetricsSink;
  readonly #turns = new PgObjectTurns();
  /** The session that holds the leader's lock, while this node leads. */
  #leaderSession: pg.PoolClient | null = null;

  static async open(connectionString: string, options: PostgresOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10 });
    // A connection that breaks (the server restarts) must not crash the process: an idle one is dropped by the
    // pool, and one in use fails its query (which answers 503). Each connection gets a listener from the start,
    // since node-postgres emits 'error' on a client in use with nobody else listening.
    pool.on("error", () => undefined);
    pool.on("connect", (client) => client.on("error", () => undefined));
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    const sink: MetricsSink = { metrics: UNMEASURED };
    const walPosition = async () =>
      String(
        (await measured(sink, "query", () => guarded(() => pool.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn"))))
          .rows[0]!.lsn,
      );
    return new PostgresStore(pool, new PgReadCache(walPosition), sink);
  }

  private constructor(pool: pg.Pool, cache: PgReadCache, sink: MetricsSink) {
    const query: Query = (text, values) =>
      measured(sink, "query", () =>
        guarded(async () => {
          try {
            return await pool.query(prepared(text, values));
          } finally {
            // This process's own writes are seen by its next read at once (reads are remembered otherwise).
            if (WRITE.test(text)) cache.invalidate();
          }
        }),
      );
    super({
      query,
      cached: (key, load) => cache.get(key, load),
    });
    this.#cache = cache;
    this.#pool = pool;
    this.#sink = sink;
  }

  /** Oldest first: `seq` is the order the trigger released them in. */
  async releasedBackendRefs(limit: number): Promise<string[]> {
    return (await this.all("SELECT ref FROM released_backend_refs ORDER BY seq LIMIT $1", [limit])).map((r) => String(r.ref));
  }

  async forgetReleasedBackendRefs(refs: readonly string[]): Promise<void> {
    if (refs.length > 0) await this.changed("DELETE FROM released_backend_refs WHERE ref = ANY($1::text[])", [refs]);
  }

  /** Each statement and transaction is measured (a round trip each), and the pool's usage is read at collection. */
  reportTo(metrics: StoreMetrics): void {
    this.#sink.metrics = metrics;
    const pool = this.#pool;
    metrics.pool(() => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }));
  }

  /**
   * As if transactions ran one after the other, so that what one reads is what its writes build on, whichever
   * node the other writers are on (no lost update): SERIALIZABLE, or for a transaction on one object that
   * object's locks (pg-transaction.ts). PostgreSQL refuses one of two conflicting SERIALIZABLE transactions; it
   * is run again, so `work` must have no effect outside the store. A write that can fail runs in a savepoint, so
   * that it is undone alone and the transaction can go on, as the contract says. On this node, a
   * transaction that starts on an object waits for the others on it (pg-object-turns.ts) instead of conflicting.
   */
  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    return measured(this.#sink, "transaction", () => guarded(() => this.#transaction(work))).finally(() => this.#cache.invalidate());
  }

  async #transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    let endTurn: (() => void) | null = null;
    const beforeBegin = async (object: ObjectKey | null) => {
      if (object !== null && endTurn === null) endTurn = await this.#turns.take(object.id);
    };
    let oneObject = true;
    try {
      for (let attempt = 1; ; attempt++) {
        const tx = new PgTransaction(this.#pool, oneObject, beforeBegin);
        let failed = true;
        try {
          const result = await work(tx.ops());
          await tx.commit();
          failed = false;
          return result;
        } catch (error) {
          if (error instanceof NeedsSerializable && oneObject) {
            oneObject = false;
            continue;
          }
          const code = (error as { code?: string }).code;
          if ((code !== "40001" && code !== "40P01") || attempt >= MAX_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
        } finally {
          await tx.end(failed);
        }
      }
    } finally {
      (endTurn as (() => void) | null)?.();
    }
  }

  /**
   * Leadership is a session-level advisory lock on a connection kept for it: if this node dies or loses the
   * database, the session ends and another node's next `leads()` takes the lock (within one round).
   */
  async leads(): Promise<boolean> {
    try {
      if (this.#leaderSession) {
        await this.#leaderSession.query("SELECT 1");
        return true;
      }
      const session = await this.#pool.connect();
      const held =
        (await session.query<{ held: boolean }>("SELECT pg_try_advisory_lock($1) AS held", [LEADER_LOCK])).rows[0]?.held === true;
      if (!held) {
        session.release();
        return false;
      }
      session.on("error", () => this.#dropLeadership());
      this.#leaderSession = session;
      return true;
    } catch {
      this.#dropLeadership();
      return false;
    }
  }

  #dropLeadership(): void {
    const session = this.#leaderSession;
    this.#leaderSession = null;
    // Destroyed, not returned to the pool: the lock must end with this session.
    session?.release(true);
  }

  async close(): Promise<void> {
    // A graceful close hands leadership over at once: the server ends a closed session's locks only when its
    // backend process has exited, which another node could otherwise race.
    await this.#leaderSession?.query("SELECT pg_advisory_unlock($1)", [LEADER_LOCK]).catch(() => undefined);
    this.#dropLeadership();
    await this.#pool.end();
  }
}
