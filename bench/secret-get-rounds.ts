import { join } from "node:path";
import { startBaseline } from "./baseline-server.js";
import { API_VERSION, Client } from "./client.js";
import { tempDir } from "./lifecycle.js";
import { type Row, ms, num, ratio } from "./report.js";
import { loadFailures } from "./rows.js";
import { startKeyhold } from "./server.js";
import { type WrkResult, ensureWrk, runWrk } from "./wrk-load.js";

/**
 * The secret-get target on its own: a fresh `keyhold dev` server (request log at `info` and the audit trail on, as
 * it runs by default) and the bare HTTPS baseline, driven by wrk (one thread, 32 connections) in alternated rounds,
 * the row being the median round's ratio. The whole run measures the same get once, on a server that has already
 * served other loads; alternating here lets the machine's other work fall on both alike. Alone: BENCH_ONLY=secret-get.
 */
export interface SecretGetRounds {
  generator: string;
  rounds: { keyhold: WrkResult; baseline: WrkResult }[];
}

const ROUNDS = 5;
const CONNECTIONS = 32;
const SECRET = "secret-get-rounds";
const TITLE = `secret get (latest), ${CONNECTIONS} conns, ${ROUNDS} rounds alternated with the baseline (wrk)`;

export async function secretGetRoundFigures(
  load: { seconds: number; warmupSeconds: number },
  log: (line: string) => void,
): Promise<SecretGetRounds> {
  await ensureWrk(log);
  const server = await startKeyhold(tempDir("secret-get"));
  const baseline = await startBaseline(join(server.dir, "server.pem"), join(server.dir, "server-key.pem"));
  const client = new Client(server);
  try {
    const token = await client.authenticate();
    await client.vault("PUT", `/secrets/${SECRET}`, { value: "secret get rounds ".padEnd(100, "x") });
    const wrk = (url: string, headers: Record<string, string>) =>
      runWrk({ url, method: "GET", headers, connections: CONNECTIONS, ...load });
    const rounds: SecretGetRounds["rounds"] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const keyhold = await wrk(`${server.url}/secrets/${SECRET}?api-version=${API_VERSION}`, { authorization: `Bearer ${token}` });
      const bare = await wrk(`https://localhost:${baseline.port}/`, {});
      log(`  round ${round}: Keyhold ${num(keyhold.rps)}/s, p99 ${ms(keyhold.p99Ms)}; bare https ${num(bare.rps)}/s`);
      rounds.push({ keyhold, baseline: bare });
    }
    return { generator: "wrk, 1 thread, HTTPS keep-alive", rounds };
  } finally {
    client.close();
    await baseline.stop();
    await server.stop();
  }
}

export function secretGetRoundRows(f: SecretGetRounds): Row[] {
  const share = (r: SecretGetRounds["rounds"][number]) => r.keyhold.rps / r.baseline.rps;
  const median = [...f.rounds].sort((a, b) => share(a) - share(b))[Math.floor(f.rounds.length / 2)]!;
  const errors = f.rounds.reduce((sum, r) => sum + loadFailures(r.keyhold) + loadFailures(r.baseline), 0);
  const cpu = Math.max(...f.rounds.flatMap((r) => [r.keyhold.generatorCpu, r.baseline.generatorCpu]));
  return [
    {
      workload: TITLE,
      keyhold: `${num(median.keyhold.rps)}/s, p99 ${ms(median.keyhold.p99Ms)}`,
      baseline: `${num(median.baseline.rps)} req/s (https), generator CPU ≤ ${num(cpu, 2)}`,
      ratio: `${ratio(median.keyhold.rps, median.baseline.rps)} (rounds ${f.rounds.map((r) => num(share(r), 2)).join(", ")})`,
      target: "≥ 0.40, p99 ≤ 10 ms",
      met: share(median) >= 0.4 && median.keyhold.p99Ms <= 10 && errors === 0,
      errors,
    },
  ];
}
