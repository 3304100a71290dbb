import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prepared } from "../../src/storage/postgres/pg-prepared.js";

describe("prepared", () => {
  it("names a statement with parameters by its text, the same name every time", () => {
    const text = "SELECT value FROM meta WHERE key = $1";
    const first = prepared(text, ["a"]) as { name: string; text: string; values: unknown[] };
    assert.match(first.name, /^keyhold_[0-9a-f]{24}$/);
    assert.deepEqual(prepared(text, ["b"]), { name: first.name, text, values: ["b"] });
    assert.notEqual((prepared("SELECT 1 WHERE $1", [1]) as { name: string }).name, first.name);
  });

  it("leaves unnamed a statement whose result has every column, and one without parameters", () => {
    assert.deepEqual(prepared("SELECT * FROM vaults WHERE name_key = $1", ["v"]), {
      text: "SELECT * FROM vaults WHERE name_key = $1",
      values: ["v"],
    });
    assert.equal(prepared("SELECT pg_current_wal_lsn()::text AS lsn", undefined), "SELECT pg_current_wal_lsn()::text AS lsn");
  });
});
