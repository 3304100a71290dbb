import { createHash } from "node:crypto";
import type pg from "pg";

const names = new Map<string, string>();

/**
 * A statement with parameters as a named prepared statement, which PostgreSQL parses and plans once per connection
 * instead of on every call. Not a statement that selects or returns `*`: a migration that adds a column would
 * change its result type, which a prepared statement refuses ("cached plan must not change result type") on
 * every connection that prepared it, until that connection ends. The statements are the store's own (a bounded
 * set of texts, each the same on every call), so each connection prepares a few dozen at most.
 */
export function prepared(text: string, values: unknown[] | undefined): string | pg.QueryConfig {
  if (values === undefined || text.includes("*")) return values === undefined ? text : { text, values };
  let name = names.get(text);
  if (name === undefined) {
    name = `keyhold_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text, values };
}
