import { randomBytes } from "node:crypto";
import { API_VERSION, Client } from "./client.js";
import { tempDir } from "./lifecycle.js";
import { type Row, ms, num } from "./report.js";
import { loadFailures } from "./rows.js";
import { type KeyholdServer, cpuMs, startKeyhold } from "./server.js";
import { type WrkResult, ensureWrk, runWrk } from "./wrk-load.js";

/**
 * POST /keys/NAME/sign end to end on a live `keyhold dev --hsm softhsm` server (request log and audit trail on, as it
 * runs by default): RS256 on an RSA-HSM key (in the SoftHSM2 token) against the same request on a software RSA key,
 * and ES256 on an EC-HSM key against a software EC key, all four in keyhold-dev. wrk (one thread, 32 connections)
 * replays one sign request per load: the server signs each anew, so a fixed digest costs it what varied ones would.
 * The pairs alternate for ROUNDS rounds; each row is the median round's HSM ÷ software ratio, with the server's CPU
 * per request (/proc, every thread: the token runs inside the server process) and wrk's own CPU, to show that the
 * generator was not the limit.
 */
export interface HsmSignLoad {
  result: WrkResult;
  /** Server CPU (all threads) per measured request, in µs; null where /proc is not available. */
  serverCpuMicrosPerRequest: number | null;
}

export interface HsmHttpSign {
  generator: string;
  connections: number;
  pairs: Record<string, { rounds: { hsm: HsmSignLoad; software: HsmSignLoad }[] }>;
}

const ROUNDS = 3;
const CONNECTIONS = 32;

/** The two pairs: the row's title, the algorithm, the token key and the software key it is compared with. */
const PAIRS = [
  { title: "HTTP sign RS256 RSA-HSM / RSA (software)", alg: "RS256", hsm: "bench-rsa-hsm", software: "bench-rsa" },
  { title: "HTTP sign ES256 EC-HSM / EC", alg: "ES256", hsm: "bench-ec-hsm", software: "bench-ec" },
] as const;

async function createKeys(client: Client): Promise<void> {
  await client.vault("POST", "/keys/bench-rsa-hsm/create", { kty: "RSA-HSM", key_size: 2048 });
  await client.vault("POST", "/keys/bench-rsa/create", { kty: "RSA", key_size: 2048 });
  await client.vault("POST", "/keys/bench-ec-hsm/create", { kty: "EC-HSM", crv: "P-256" });
  await client.vault("POST", "/keys/bench-ec/create", { kty: "EC", crv: "P-256" });
}

export async function hsmHttpSignFigures(
  load: { seconds: number; warmupSeconds: number },
  log: (line: string) => void,
): Promise<HsmHttpSign> {
  await ensureWrk(log);
  const server = await startKeyhold(tempDir("hsm-sign"), ["--hsm", "softhsm"]);
  const client = new Client(server);
  try {
    const token = await client.authenticate();
    await createKeys(client);
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const signLoad = async (key: string, alg: string): Promise<HsmSignLoad> => {
      const path = `/keys/${key}/sign?api-version=${API_VERSION}`;
      const body = JSON.stringify({ alg, value: randomBytes(32).toString("base64url") });
      const probe = await client.send("POST", path, body, headers);
      if (probe.status !== 200) throw new Error(`${alg} sign with ${key}: ${probe.status} ${probe.body}`);
      const spec = { url: `${server.url}${path}`, method: "POST" as const, headers, body, connections: CONNECTIONS, warmupSeconds: 0 };
      // The warm-up apart, so that the server's CPU is read around the measured run only.
      const warmup = await runWrk({ ...spec, seconds: load.warmupSeconds });
      const before = cpuMs(server.pid);
      const result = await runWrk({ ...spec, seconds: load.seconds });
      const after = cpuMs(server.pid);
      const cpu = before === null || after === null || result.requests === 0 ? null : ((after - before) * 1000) / result.requests;
      return {
        result: { ...result, warmupErrors: warmup.errors + warmup.timeouts, warmupNon2xx: warmup.non2xx },
        serverCpuMicrosPerRequest: cpu,
      };
    };
    const pairs: HsmHttpSign["pairs"] = {};
    for (const pair of PAIRS) pairs[pair.title] = { rounds: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const pair of PAIRS) {
        const hsm = await signLoad(pair.hsm, pair.alg);
        const software = await signLoad(pair.software, pair.alg);
        log(`  ${pair.alg} round ${round}: ${pair.hsm} ${num(hsm.result.rps)}/s, ${pair.software} ${num(software.result.rps)}/s`);
        pairs[pair.title]!.rounds.push({ hsm, software });
      }
    }
    return { generator: "wrk, 1 thread, HTTPS keep-alive", connections: CONNECTIONS, pairs };
  } catch (error) {
    throw withServerOutput(error, server);
  } finally {
    client.close();
    await server.stop();
  }
}

const withServerOutput = (error: unknown, server: KeyholdServer): Error =>
  new Error(`${error instanceof Error ? error.message : String(error)}\nserver output:\n${server.output()}`);

const share = (r: { hsm: HsmSignLoad; software: HsmSignLoad }): number => r.hsm.result.rps / r.software.result.rps;

const described = (l: HsmSignLoad): string => {
  const cpu = l.serverCpuMicrosPerRequest === null ? "" : `, server CPU ${num(l.serverCpuMicrosPerRequest)} µs/req`;
  return `${num(l.result.rps)}/s, p99 ${ms(l.result.p99Ms)}${cpu}`;
};

/** Server CPU per request, -HSM ÷ software, the median over the rounds that have it (none without /proc). */
function cpuRatio(rounds: { hsm: HsmSignLoad; software: HsmSignLoad }[]): string {
  const ratios = rounds
    .flatMap((r) =>
      r.hsm.serverCpuMicrosPerRequest && r.software.serverCpuMicrosPerRequest
        ? [r.hsm.serverCpuMicrosPerRequest / r.software.serverCpuMicrosPerRequest]
        : [],
    )
    .sort((a, b) => a - b);
  return ratios.length === 0 ? "" : `; server CPU/req ${num(ratios[Math.floor(ratios.length / 2)]!, 2)}`;
}

export function hsmHttpSignRows(f: HsmHttpSign): Row[] {
  return Object.entries(f.pairs).map(([title, { rounds }]) => {
    const median = [...rounds].sort((a, b) => share(a) - share(b))[Math.floor(rounds.length / 2)]!;
    const errors = rounds.reduce((sum, r) => sum + loadFailures(r.hsm.result) + loadFailures(r.software.result), 0);
    const generatorCpu = Math.max(...rounds.flatMap((r) => [r.hsm.result.generatorCpu, r.software.result.generatorCpu]));
    return {
      workload: `${title}, ${f.connections} conns (wrk)`,
      keyhold: described(median.hsm),
      baseline: `${described(median.software)}; wrk CPU ≤ ${num(generatorCpu, 2)}`,
      ratio: `${num(share(median), 2)} (rounds ${rounds.map((r) => num(share(r), 2)).join(", ")})${cpuRatio(rounds)}`,
      target: "—",
      met: null,
      errors,
    };
  });
}
