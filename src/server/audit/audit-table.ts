import pg from "pg";
import type { AuditLineRun } from "./audit-verify.js";

/** Rows read per query: a node's chain may be far larger than memory. */
const PAGE_ROWS = 5000;

/** Every node with rows, without reading the rows: one index probe per node. */
export const AUDIT_NODES = `
  WITH RECURSIVE nodes (node) AS (
    (SELECT node FROM audit_entries ORDER BY node LIMIT 1)
    UNION ALL
    SELECT (SELECT e.node FROM audit_entries e WHERE e.node > nodes.node ORDER BY e.node LIMIT 1) FROM nodes WHERE nodes.node IS NOT NULL
  )
  SELECT node FROM nodes WHERE node IS NOT NULL`;

/** Where a node's chain stands: the highest seq read so far. */
export type TablePositions = Map<string, number>;

/**
 * The trail as the PostgreSQL sink stores it (audit-postgres-sink.ts), read for `keyhold audit`: each node's lines
 * in chain order, the newest ones, the ones written since, and the public key the server stored beside them.
 */
export class AuditTable {
  private constructor(private readonly client: pg.Client) {}

  static async connect(databaseUrl: string): Promise<AuditTable> {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on("error", () => undefined);
    await client.connect();
    return new AuditTable(client);
  }

  async nodes(): Promise<string[]> {
    return (await this.client.query<{ node: string }>(AUDIT_NODES)).rows.map((r) => r.node);
  }

  /** Every node's chain in order, a page of rows per run; a problem names the node and the row's place in its chain. */
  async *runs(): AsyncGenerator<AuditLineRun> {
    for (const node of await this.nodes()) {
      let read = 0;
      for (let after = 0; ;) {
        const rows = await this.#rowsAfter(node, after, PAGE_ROWS);
        if (rows.length === 0) break;
        yield { source: `audit_entries, node ${node}`, firstLine: read + 1, lines: rows.map((r) => r.line) };
        read += rows.length;
        after = Number(rows.at(-1)!.seq);
      }
    }
  }

  /** The newest `count` lines of each node, oldest first. */
  async newest(count: number): Promise<string[]> {
    const lines: string[] = [];
    for (const node of await this.nodes()) {
      const { rows } = await this.client.query<{ line: string }>(
        "SELECT line FROM audit_entries WHERE node = $1 ORDER BY seq DESC LIMIT $2",
        [node, count],
      );
      lines.push(...rows.map((r) => r.line).reverse());
    }
    return lines;
  }

  /** Every node's lines after the positions given (all of a node not named), in chain order; moves the positions on. */
  async linesAfter(positions: TablePositions): Promise<string[]> {
    const lines: string[] = [];
    for (const node of await this.nodes()) {
      const rows = await this.#rowsAfter(node, positions.get(node) ?? 0, PAGE_ROWS);
      if (rows.length > 0) positions.set(node, Number(rows.at(-1)!.seq));
      lines.push(...rows.map((r) => r.line));
    }
    return lines;
  }

  /** Where each node's chain ends now. */
  async positions(): Promise<TablePositions> {
    const positions: TablePositions = new Map();
    for (const node of await this.nodes()) {
      const { rows } = await this.client.query<{ seq: string }>("SELECT max(seq) AS seq FROM audit_entries WHERE node = $1", [node]);
      positions.set(node, Number(rows[0]!.seq));
    }
    return positions;
  }

  /** The public keys servers stored beside the trail (one per database: the audit key lives in the store). */
  async publicKeys(): Promise<string[]> {
    return (await this.client.query<{ public_key: string }>("SELECT public_key FROM audit_keys ORDER BY key_id")).rows.map(
      (r) => r.public_key,
    );
  }

  close(): Promise<void> {
    return this.client.end();
  }

  async #rowsAfter(node: string, after: number, limit: number): Promise<{ seq: string; line: string }[]> {
    const { rows } = await this.client.query<{ seq: string; line: string }>(
      "SELECT seq, line FROM audit_entries WHERE node = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      [node, after, limit],
    );
    return rows;
  }
}
