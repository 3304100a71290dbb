import type { Database, Statement } from "better-sqlite3";

/** Prepares each SQL text once per connection. */
export class Statements {
  readonly #cache = new Map<string, Statement>();
  constructor(readonly db: Database) {}

  get(sql: string): Statement {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement;
  }
}
