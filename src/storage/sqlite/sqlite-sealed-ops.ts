import type { SealedRecord, SealedTable } from "../store.js";
import type { Row } from "../row-mappers.js";
import { SqliteAccessOps } from "./sqlite-access-ops.js";

/** Each sealed table's primary key columns and sealed column (names compare by the columns' NOCASE collation). */
const SEALED: Record<SealedTable, { key: string[]; column: string }> = {
  meta: { key: ["key"], column: "value" },
  vault_entries: { key: ["vault", "kind", "name"], column: "value" },
  object_versions: { key: ["vault", "kind", "name", "version"], column: "sealed" },
};

const tuple = (columns: readonly string[]): string => `(${columns.join(", ")})`;
const marks = (n: number): string => `(${Array.from({ length: n }, () => "?").join(", ")})`;

/** Paging through sealed values and re-writing them, for master key rotation (docs/master-key.md). */
export abstract class SqliteSealedOps extends SqliteAccessOps {
  async listSealedRecords(table: SealedTable, after: readonly string[] | null, limit: number): Promise<SealedRecord[]> {
    const { key, column } = SEALED[table];
    const select = `SELECT ${key.join(", ")}, ${column} AS sealed FROM ${table}`;
    const order = `ORDER BY ${key.join(", ")} LIMIT ?`;
    const rows = (
      after === null
        ? this.read.get(`${select} ${order}`).all(limit)
        : this.read.get(`${select} WHERE ${tuple(key)} > ${marks(key.length)} ${order}`).all(...after, limit)
    ) as Row[];
    return rows.map((r) => ({ table, key: key.map((c) => String(r[c])), sealed: r.sealed as Buffer }));
  }

  async countSealedRecords(table: SealedTable): Promise<number> {
    return Number((this.read.get(`SELECT count(*) AS n FROM ${table}`).get() as Row).n);
  }

  replaceSealedRecord(table: SealedTable, key: readonly string[], expected: Buffer, replacement: Buffer): Promise<boolean> {
    const { key: columns, column } = SEALED[table];
    return this.write(() => {
      const sql = `UPDATE ${table} SET ${column} = ? WHERE ${tuple(columns)} = ${marks(columns.length)} AND ${column} = ?`;
      const changed = this.writer.get(sql).run(replacement, ...key, expected).changes === 1;
      // The old bytes hold the data key wrapped under the old master key: erased from the file and WAL, as a purge's.
      if (changed) this.purged();
      return changed;
    });
  }
}
