import type { SealedRecord, SealedTable } from "../store.js";
import { PgAccessOps } from "./pg-access-ops.js";

/** Each sealed table's primary key columns (the lower-cased `*_key` ones) and sealed column. */
const SEALED: Record<SealedTable, { key: string[]; column: string }> = {
  meta: { key: ["key"], column: "value" },
  vault_entries: { key: ["vault_key", "kind", "name_key"], column: "value" },
  object_versions: { key: ["vault_key", "kind", "name_key", "version_key"], column: "sealed" },
};

const tuple = (columns: readonly string[]): string => `(${columns.join(", ")})`;
const params = (from: number, n: number): string => `(${Array.from({ length: n }, (_, i) => `$${from + i}`).join(", ")})`;

/** Paging through sealed values and re-writing them, for master key rotation (docs/master-key.md). */
export abstract class PgSealedOps extends PgAccessOps {
  async listSealedRecords(table: SealedTable, after: readonly string[] | null, limit: number): Promise<SealedRecord[]> {
    const { key, column } = SEALED[table];
    // The row comparison and the order use the same (the columns') collation, so pages neither skip nor repeat.
    const select = `SELECT ${key.join(", ")}, ${column} AS sealed FROM ${table}`;
    const rows =
      after === null
        ? await this.all(`${select} ORDER BY ${key.join(", ")} LIMIT $1`, [limit])
        : await this.all(`${select} WHERE ${tuple(key)} > ${params(2, key.length)} ORDER BY ${key.join(", ")} LIMIT $1`, [limit, ...after]);
    return rows.map((r) => ({ table, key: key.map((c) => String(r[c])), sealed: r.sealed as Buffer }));
  }

  async countSealedRecords(table: SealedTable): Promise<number> {
    return Number((await this.one(`SELECT count(*) AS n FROM ${table}`, []))!.n);
  }

  async replaceSealedRecord(table: SealedTable, key: readonly string[], expected: Buffer, replacement: Buffer): Promise<boolean> {
    const { key: columns, column } = SEALED[table];
    const sql = `UPDATE ${table} SET ${column} = $1 WHERE ${tuple(columns)} = ${params(2, columns.length)} AND ${column} = $${columns.length + 2}`;
    return (await this.changed(sql, [replacement, ...key, expected])) === 1;
  }
}
