import pg from "pg";
import { GENESIS_HASH, lineHash } from "./audit-entry.js";
import { type AuditSearch, matchesSearch, newestFirst } from "./audit-search.js";
import type { AuditSink, ChainHead } from "./audit-sink.js";
import { AUDIT_NODES } from "./audit-table.js";

/** Rows a search reads at most per node, and per query. */
const SEARCH_ROWS = 200_000;
const SEARCH_PAGE_ROWS = 5_000;

/** PostgreSQL's unique_violation: a (node, seq) row that is already there. */
const UNIQUE_VIOLATION = "23505";

/**
 * A batch in one statement, so one round trip. `set_config(…, true)` is SET LOCAL inside the statement's own
 * transaction: its commit is asynchronous (`synchronous_commit = off`), so the rows survive this process's crash
 * at once and PostgreSQL's crash once the WAL writer or the next `sync` flushes them. The rows go in only if the
 * node's previous line is there, so that a chain whose last rows a database crash lost is continued from what
 * survived (the trail asks `head` again) instead of leaving a gap.
 */
const INSERT_BATCH = `
  INSERT INTO audit_entries (node, seq, line)
  SELECT $1, batch.seq, batch.line
  FROM unnest($2::bigint[], $3::text[]) AS batch (seq, line), (SELECT set_config('synchronous_commit', 'off', true)) AS async
  WHERE $4::bigint = 0 OR EXISTS (SELECT 1 FROM audit_entries WHERE node = $1 AND seq = $4)`;

/**
 * A flush of every earlier commit: a synchronous commit waits until the WAL up to its commit record is on disk, and
 * the WAL is one sequence, so that flush covers every asynchronous commit before it, of any session (PostgreSQL's
 * "Asynchronous Commit": recovery replays the WAL in order, up to the last record flushed). The transaction must
 * write a row: PostgreSQL commits a transaction that wrote no WAL asynchronously, even one given a transaction id.
 */
const FLUSH = `
  INSERT INTO audit_flushes (node, flushed_at)
  SELECT $1, now() FROM (SELECT set_config('synchronous_commit', 'on', true)) AS sync
  ON CONFLICT (node) DO UPDATE SET flushed_at = excluded.flushed_at`;

/**
 * The trail in the server's PostgreSQL database, for clusters: one row per line in `audit_entries`, keyed by node and
 * sequence number. It has a small pool of its own rather than the store's: the audit is neither held up by nor holds
 * up the store's transactions, its inserts do not clear the store's read cache, and the store's contract stays free
 * of PostgreSQL. A second process writing the same node's chain is refused, not interleaved: the primary key fails
 * its insert, and from then on this sink refuses every write.
 */
export class PostgresAuditSink implements AuditSink {
  readonly #pool: pg.Pool;
  /** Set once another process was found writing this node's chain. */
  #taken: Error | null = null;

  constructor(
    databaseUrl: string,
    private readonly node: string,
  ) {
    // Two connections: a batch may be written while the previous ones are flushed.
    this.#pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    this.#pool.on("error", () => undefined);
    this.#pool.on("connect", (client) => client.on("error", () => undefined));
  }

  /**
   * Each node's rows newest first, a page at a time, until the node has given `limit` matches or SEARCH_ROWS rows
   * were read: a search of a very long trail covers its newest part, as `keyhold audit search` covers all of it.
   */
  async search(filter: AuditSearch, limit: number): Promise<string[]> {
    const found: string[] = [];
    const { rows: nodes } = await this.#pool.query<{ node: string }>(AUDIT_NODES);
    for (const { node } of nodes) {
      let matches = 0;
      for (let before = Number.MAX_SAFE_INTEGER, read = 0; matches < limit && read < SEARCH_ROWS;) {
        const { rows } = await this.#pool.query<{ seq: string; line: string }>(
          "SELECT seq, line FROM audit_entries WHERE node = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
          [node, before, SEARCH_PAGE_ROWS],
        );
        if (rows.length === 0) break;
        const lines = rows.map((r) => r.line).filter((line) => matchesSearch(line, filter));
        found.push(...lines);
        matches += lines.length;
        read += rows.length;
        before = Number(rows.at(-1)!.seq);
      }
    }
    return newestFirst(found, limit);
  }

  async head(): Promise<ChainHead> {
    const { rows } = await this.#pool.query<{ seq: string; line: string }>(
      "SELECT seq, line FROM audit_entries WHERE node = $1 ORDER BY seq DESC LIMIT 1",
      [this.node],
    );
    const last = rows[0];
    return last ? { seq: Number(last.seq), hash: lineHash(last.line) } : { seq: 0, hash: GENESIS_HASH };
  }

  async write(lines: readonly string[]): Promise<void> {
    if (this.#taken) throw this.#taken;
    if (lines.length === 0) return;
    const texts = lines.map((line) => line.replace(/\n$/, ""));
    const seqs = texts.map((text) => (JSON.parse(text) as { seq: number }).seq);
    let inserted: number;
    try {
      inserted = (await this.#pool.query(INSERT_BATCH, [this.node, seqs, texts, seqs[0]! - 1])).rowCount ?? 0;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      this.#taken = new Error(
        `the audit node id "${this.node}" is in use by another process, which writes the same chain: give each process its own audit.node`,
      );
      throw this.#taken;
    }
    if (inserted !== lines.length)
      throw new Error(`the audit trail of node "${this.node}" no longer ends at seq ${seqs[0]! - 1}: continuing from where it ends`);
  }

  async sync(): Promise<void> {
    await this.#pool.query(FLUSH, [this.node]);
  }

  /** Stores the key that checks the checkpoints beside the trail, for `keyhold audit verify --database`. */
  async publishPublicKey(keyId: string, publicKeyPem: string): Promise<void> {
    await this.#pool.query("INSERT INTO audit_keys (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING", [
      keyId,
      publicKeyPem,
    ]);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
