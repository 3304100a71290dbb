import { join } from "node:path";
import { API_VERSION, Client } from "./client.js";
import { type CeilingResult, rsaKeygenCeiling } from "./crypto-ceilings.js";
import { tempDir } from "./lifecycle.js";
import { type LoadRequest, type LoadResult, NUMBER, numberedAs, runLoad } from "./load.js";
import { type Row, ms, num, ratio } from "./report.js";
import { loadFailures } from "./rows.js";
import { startKeyhold } from "./server.js";

/**
 * Certificates created per second: POST /certificates/{name}/create with a Self-issued RSA-2048 policy (PFX
 * secret), a new name for every request, driven by autocannon (load.ts, a numbered request) at the bench's
 * connection counts. Each create generates an RSA-2048 key pair, signs the certificate with it, writes the PFX, and
 * stores key, secret and certificate in one transaction. Key generation dominates, so the row's baseline is
 * node:crypto's own ceiling for RSA-2048 generateKeyPair on the thread pool (crypto-ceilings.ts), measured in the
 * same run before and after the loads, the better kept (as the bench keeps its https baseline: on a shared machine a
 * dip is interference, not the machine's capacity). Reported, not judged: no target has been set for it.
 *
 * A create under load takes longer than a warm-up of the other rows lasts: each load is a steady one (steady-load.ts),
 * and the server still finishes the creates a stopped generator left in flight, so one more create that waits
 * behind them (the drain) follows each load, and no load starts behind another's leftovers.
 *
 * On a server of its own (a fresh data directory), so that the certificates it adds, each with a key and a
 * secret, change no other row. Alone: BENCH_ONLY=certificate-create.
 */
export interface CertificateCreate {
  generator: string;
  /** The better of `ceilingRuns`, measured before and after the loads. */
  ceiling: CeilingResult;
  ceilingRuns: CeilingResult[];
  /** By connection count. */
  results: Record<number, LoadResult>;
}

const TITLE = "certificate create (Self, RSA-2048)";
const GENERATOR = "autocannon (HTTPS keep-alive, pipelining 1), a new certificate name per request, steady state";

const selfSignedRsa2048 = JSON.stringify({
  policy: {
    key_props: { kty: "RSA", key_size: 2048, exportable: true, reuse_key: false },
    secret_props: { contentType: "application/x-pkcs12" },
    x509_props: { subject: "CN=bench.keyhold.test", sans: { dns_names: ["bench.keyhold.test"] }, validity_months: 12 },
    issuer: { name: "Self" },
  },
});

const createRequest: LoadRequest = {
  method: "POST",
  path: `/certificates/bench-cert-${NUMBER}/create?api-version=${API_VERSION}`,
  body: selfSignedRsa2048,
  numbered: true,
};

export async function certificateCreateFigures(
  load: { connections: readonly number[]; seconds: number; warmupSeconds: number },
  log: (message: string) => void,
): Promise<CertificateCreate> {
  const server = await startKeyhold(join(tempDir("certificate-create"), "data"));
  const client = new Client(server);
  try {
    const headers = { authorization: `Bearer ${await client.authenticate()}`, "content-type": "application/json" };
    let drains = 0;
    /** One create, answered after the creates queued before it; the first one also fails early on a refused request. */
    const drain = async () => {
      const request = numberedAs(createRequest, `drain-${drains++}`);
      const reply = await client.send(request.method, request.path, request.body, headers);
      if (reply.status !== 202) throw new Error(`certificate create: ${reply.status} ${reply.body}`);
    };
    await drain();

    const ceilingRuns: CeilingResult[] = [];
    const measureCeiling = async (when: string) => {
      log(`node:crypto ceiling: RSA-2048 generateKeyPair (no HTTP, thread pool, all cores), ${when}`);
      ceilingRuns.push(await rsaKeygenCeiling(load.seconds, load.warmupSeconds));
      log(`  ${num(ceilingRuns.at(-1)!.opsPerSec, 1)} key pairs/s`);
    };
    await measureCeiling("before");
    const results: Record<number, LoadResult> = {};
    for (const connections of load.connections) {
      log(`${TITLE}, ${connections} connections`);
      const r = (results[connections] = await runLoad({
        url: server.url,
        headers,
        requests: [createRequest],
        connections,
        seconds: load.seconds,
        warmupSeconds: load.warmupSeconds,
        steady: true,
      }));
      await drain();
      if (loadFailures(r) > 0)
        log(`  ERRORS: ${r.errors} socket errors, ${r.timeouts} timeouts, status codes ${JSON.stringify(r.statusCodes)}`);
    }
    await measureCeiling("after");
    const ceiling = ceilingRuns.reduce((best, run) => (run.opsPerSec > best.opsPerSec ? run : best));
    return { generator: GENERATOR, ceiling, ceilingRuns, results };
  } finally {
    client.close();
    await server.stop();
  }
}

export function certificateCreateRows(f: CertificateCreate): Row[] {
  return Object.entries(f.results).map(([connections, r]) => ({
    workload: `${TITLE}, ${connections} conns`,
    keyhold: `${num(r.rps, 1)}/s, p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}`,
    baseline: `${num(f.ceiling.opsPerSec, 1)} ops/s (node:crypto RSA-2048 keygen)`,
    ratio: ratio(r.rps, f.ceiling.opsPerSec),
    target: "—",
    met: null,
    errors: loadFailures(r),
  }));
}
