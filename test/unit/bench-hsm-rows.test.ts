import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type HsmHttpSign, hsmHttpSignRows } from "../../bench/hsm-http-sign.js";
import { type Pkcs11SignRound, type SignRate, pkcs11SignRows } from "../../bench/pkcs11-sign.js";
import type { WrkResult } from "../../bench/wrk-load.js";

const rate = (opsPerSec: number, cpuMicrosPerOp = 100): SignRate => ({
  concurrency: 4,
  ops: opsPerSec,
  seconds: 1,
  opsPerSec,
  cpuMicrosPerOp,
});
const round = (backend: number, direct: number): Pkcs11SignRound => ({
  directSingle: rate(direct / 2),
  directPool: rate(direct),
  backend: rate(backend),
});

const wrk = (rps: number, more: Partial<WrkResult> = {}): WrkResult => ({
  connections: 32,
  seconds: 5,
  requests: rps * 5,
  rps,
  p50Ms: 10,
  p90Ms: 20,
  p99Ms: 30,
  maxMs: 40,
  bytesPerSec: 0,
  errors: 0,
  timeouts: 0,
  non2xx: 0,
  statusCodes: {},
  warmupErrors: 0,
  warmupNon2xx: 0,
  generatorCpu: 0.1,
  ...more,
});

/** The PKCS#11 rows of the bench: the median round's ratio, the rounds beside it, and a note when SoftHSM2 is missing. */
describe("bench PKCS#11 rows", () => {
  it("reports the backend ÷ direct-with-the-pool ratio of the median round, with every round's", () => {
    const rounds = [round(900, 1000), round(500, 1000), round(1200, 1000)];
    const [rs256] = pkcs11SignRows({
      token: "t",
      poolSize: 4,
      secondsPerRun: 1,
      algorithms: { RS256: { key: "RSA 2048", rounds }, ES256: { key: "EC P-256", rounds } },
    });
    assert.equal(rs256!.workload, "PKCS#11 RS256 sign (backend / SoftHSM direct), RSA 2048, 4 in flight");
    assert.equal(rs256!.ratio, "0.90 (rounds 0.90, 0.50, 1.20); CPU/op 1.00");
    assert.match(rs256!.keyhold, /^backend sign\(\): 900\/s, CPU 100 µs\/op$/);
    assert.match(rs256!.baseline, /4 sessions \(thread pool\): 1,000\/s.*1 thread: 500\/s/);
  });

  it("has one row saying why when SoftHSM2 is not installed", () => {
    const rows = pkcs11SignRows({ skipped: "skipped: SoftHSM2 is not installed (x)" });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.keyhold, "skipped: SoftHSM2 is not installed (x)");
  });

  it("divides the -HSM key's rate by the software key's, counts failed requests and shows wrk's CPU", () => {
    const figures: HsmHttpSign = {
      generator: "wrk",
      connections: 32,
      pairs: {
        "HTTP sign RS256 RSA-HSM / RSA (software)": {
          rounds: [
            { hsm: { result: wrk(400), serverCpuMicrosPerRequest: 1500 }, software: { result: wrk(1000), serverCpuMicrosPerRequest: 600 } },
            {
              hsm: { result: wrk(600, { non2xx: 2 }), serverCpuMicrosPerRequest: 1400 },
              software: { result: wrk(1000, { generatorCpu: 0.2 }), serverCpuMicrosPerRequest: 600 },
            },
            { hsm: { result: wrk(500), serverCpuMicrosPerRequest: null }, software: { result: wrk(1000), serverCpuMicrosPerRequest: 600 } },
          ],
        },
      },
    };
    const [row] = hsmHttpSignRows(figures);
    // The CPU ratio is the median of the rounds that have both figures: 2.50 and 2.33.
    assert.equal(row!.ratio, "0.50 (rounds 0.40, 0.60, 0.50); server CPU/req 2.50");
    assert.equal(row!.keyhold, "500/s, p99 30 ms");
    assert.equal(row!.baseline, "1,000/s, p99 30 ms, server CPU 600 µs/req; wrk CPU ≤ 0.20");
    assert.equal(row!.errors, 2);
  });
});
