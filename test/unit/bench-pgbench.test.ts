import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePgbench } from "../../bench/pgbench.js";

const SUMMARY = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: /tmp/insert.sql
query mode: prepared
number of clients: 32
number of threads: 2
maximum number of tries: 1
duration: 5 s
number of transactions actually processed: 35735
number of failed transactions: 3 (0.008%)
latency average = 4.288 ms
initial connection time = 64.627 ms
tps = 7461.986883 (without initial connection time)
`;

/** The bench reads PostgreSQL's own write ceiling from pgbench's summary. */
describe("pgbench summary", () => {
  it("reads the count, the rate without connection time, the average latency and the failures", () => {
    assert.deepEqual(parsePgbench(SUMMARY), { transactions: 35735, tps: 7461.986883, latencyAvgMs: 4.288, failed: 3 });
  });
  it("counts no failures where pgbench (before 15) prints no failure line", () => {
    assert.equal(parsePgbench(SUMMARY.replace(/^number of failed.*\n/m, "")).failed, 0);
  });
  it("throws when the rate is missing rather than reporting a ceiling of 0", () => {
    assert.throws(() => parsePgbench(SUMMARY.replace(/^tps = .*\n/m, "")), /no tps/);
  });
});
