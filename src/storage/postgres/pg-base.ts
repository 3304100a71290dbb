import type { Row } from "../row-mappers.js";

export type Query = (text: string, values?: unknown[]) => Promise<{ rows: Row[]; rowCount: number | null }>;

/** Where statements go: the pool (each call its own transaction) or one transaction's connection. */
export interface PgTarget {
  query: Query;
  /** Outside transactions only: a read remembered until the database changes (pg-read-cache.ts). */
  cached?: <T>(key: string, load: () => Promise<T>) => Promise<T>;
}

/** The case-insensitive key of a name (names are ASCII, as Azure's). */
export const key = (name: string): string => name.toLowerCase();

export abstract class PgBase {
  constructor(protected readonly target: PgTarget) {}

  protected cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.target.cached ? this.target.cached(key, load) : load();
  }

  protected async one(sql: string, values: unknown[]): Promise<Row | undefined> {
    return (await this.target.query(sql, values)).rows[0];
  }

  protected async all(sql: string, values: unknown[] = []): Promise<Row[]> {
    return (await this.target.query(sql, values)).rows;
  }

  protected async changed(sql: string, values: unknown[]): Promise<number> {
    return (await this.target.query(sql, values)).rowCount ?? 0;
  }
}
