import assert from "node:assert/strict";
import { test } from "node:test";
import { formatEntry } from "../../src/server/audit/audit-entry.js";
import { testRecord } from "../support/audit-fixtures.js";

test("an entry's line is the JSON of its chain position followed by its body's fields, in that order", () => {
  const position = { node: 'node-"a"', seq: 7, time: "2026-11-30T10:00:00.000Z", prev: "ab".repeat(32) };
  const record = { ...testRecord(3), result: { status: 200, errorCode: null, durationMs: 2 } };
  const checkpoint = { type: "checkpoint" as const, keyId: "k1", signature: "c2ln" };
  for (const body of [record, checkpoint]) {
    const line = formatEntry(position, body);
    assert.equal(line, JSON.stringify({ seq: 7, node: position.node, time: position.time, prev: position.prev, ...body }));
    assert.deepEqual(Object.keys(JSON.parse(line) as object).slice(0, 5), ["seq", "node", "time", "prev", "type"]);
  }
});
