import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeStore } from "../../src/server/lifecycle-log.js";

describe("the store as the start-up line names it", () => {
  it("names the SQLite file", () => {
    assert.equal(describeStore({ storeFile: "/var/lib/keyhold/keyhold.db", databaseUrl: null }), "SQLite /var/lib/keyhold/keyhold.db");
  });

  it("names PostgreSQL's host, port and database, never its user or password", () => {
    const named = describeStore({
      storeFile: "x",
      databaseUrl: "postgres://keyhold:hunter2-secret@db.internal:5433/vaultdb?sslmode=require",
    });
    assert.equal(named, "PostgreSQL db.internal:5433/vaultdb");
    assert.equal(
      describeStore({ storeFile: "x", databaseUrl: "postgresql:///vaultdb?host=/run/postgresql" }),
      "PostgreSQL local socket/vaultdb",
    );
  });
});
