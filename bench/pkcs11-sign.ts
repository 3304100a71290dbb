import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import pkcs11js from "pkcs11js";
import type { BackendKey } from "../src/crypto/key-backend.js";
import { openPkcs11Backend, type Pkcs11KeyBackend } from "../src/crypto/pkcs11/pkcs11-key-backend.js";
import { acquireModule, releaseModule } from "../src/crypto/pkcs11/pkcs11-module.js";
import { findObjects, idOfReference } from "../src/crypto/pkcs11/token-objects.js";
import { cleanUp } from "./lifecycle.js";
import { type Row, num } from "./report.js";
import { type BenchToken, benchToken, softHsmMissing } from "./softhsm-token.js";

/**
 * RS256 and ES256 through the PKCS#11 backend's sign(), against SoftHSM2's own speed on the same token and key in the
 * same minutes: a direct pkcs11js loop of C_SignInit + C_Sign (CKM_RSA_PKCS over the SHA-256 DigestInfo on RSA 2048,
 * CKM_ECDSA on P-256), once single-threaded (synchronous calls, one session) and once with as many sessions signing
 * at once as the backend's pool has (C_SignAsync, on the libuv thread pool, as the backend calls it). The three runs
 * alternate for ROUNDS rounds; each row is the median round's backend ÷ direct-with-the-pool's ratio. Rates are
 * completions per second; CPU per operation is process.cpuUsage (every thread of this process, the token's included)
 * over the run ÷ operations. Alone (under a minute): node dist/bench/pkcs11-sign.js
 */
export interface SignRate {
  concurrency: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  cpuMicrosPerOp: number;
}

export interface Pkcs11SignRound {
  /** One session, synchronous C_SignInit + C_Sign on the main thread. */
  directSingle: SignRate;
  /** POOL_SIZE sessions, each C_SignInit + C_SignAsync in turn. */
  directPool: SignRate;
  /** The backend's sign(), POOL_SIZE calls in flight. */
  backend: SignRate;
}

export type Pkcs11SignFigures =
  | { skipped: string }
  | {
      token: string;
      poolSize: number;
      secondsPerRun: number;
      algorithms: Record<Algorithm, { key: string; rounds: Pkcs11SignRound[] }>;
    };

type Algorithm = "RS256" | "ES256";

/** The backend's session pool: TokenSessions.open's default, which openPkcs11Backend uses. */
export const POOL_SIZE = 4;
const ROUNDS = 5;
const SECONDS_PER_RUN = 1;
const WARMUP_SECONDS = 0.2;
/** DER of SHA-256's DigestInfo before the digest (RFC 8017 §9.2): what CKM_RSA_PKCS signs for RS256. */
const SHA256_DIGEST_INFO = Buffer.from("3031300d060960864801650304020105000420", "hex");

/** `loops` loops of `op` for `seconds` after a warm-up: completions (in-flight ones drained and counted) and CPU. */
async function rate(loops: number, op: (loop: number) => unknown, seconds: number): Promise<SignRate> {
  const run = async (until: number): Promise<number> => {
    let ops = 0;
    await Promise.all(
      Array.from({ length: loops }, async (_, loop) => {
        while (performance.now() < until) {
          await op(loop);
          ops++;
        }
      }),
    );
    return ops;
  };
  await run(performance.now() + WARMUP_SECONDS * 1000);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const ops = await run(started + seconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { concurrency: loops, ops, seconds: elapsed, opsPerSec: ops / elapsed, cpuMicrosPerOp: (used.user + used.system) / ops };
}

/** What one algorithm signs: the backend's key, the digest, and the mechanism, data and length of the direct loop. */
interface SignCase {
  key: BackendKey;
  digest: Buffer;
  mechanism: pkcs11js.Mechanism;
  data: Buffer;
  length: number;
}

async function signCases(backend: Pkcs11KeyBackend): Promise<Record<Algorithm, SignCase>> {
  const options = { size: 2048, curve: "P-256" as const, publicExponent: 65537, hsm: true };
  const rsa = await backend.generate("RSA", { ...options, label: "bench-rsa" });
  const ec = await backend.generate("EC", { ...options, label: "bench-ec" });
  const key = (made: typeof rsa, id: string): BackendKey => ({
    id,
    description: made.description,
    reference: made.reference ?? null,
    material: () => Buffer.alloc(0),
  });
  const digest = randomBytes(32);
  return {
    RS256: {
      key: key(rsa, "bench/rsa/1"),
      digest,
      mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS },
      data: Buffer.concat([SHA256_DIGEST_INFO, digest]),
      length: 256,
    },
    ES256: { key: key(ec, "bench/ec/1"), digest, mechanism: { mechanism: pkcs11js.CKM_ECDSA }, data: digest, length: 64 },
  };
}

/** The token's slot, by label (as the backend finds it). */
function slotOf(pkcs11: pkcs11js.PKCS11, label: string): Buffer {
  const slot = pkcs11.C_GetSlotList(true).find((s) => pkcs11.C_GetTokenInfo(s).label.trim() === label);
  if (!slot) throw new Error(`no token labelled ${label}`);
  return slot;
}

/** Measures both algorithms on a throw-away token (log: progress lines). */
export async function pkcs11SignFigures(log: (line: string) => void, token: BenchToken = benchToken()): Promise<Pkcs11SignFigures> {
  const backend = await openPkcs11Backend(token);
  // The backend's login holds for every session of this process, so the direct loop's sessions are logged in too.
  const pkcs11 = acquireModule(token.module);
  const sessions = Array.from({ length: POOL_SIZE }, () =>
    pkcs11.C_OpenSession(slotOf(pkcs11, token.tokenLabel), pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION),
  );
  try {
    const cases = await signCases(backend);
    const algorithms = {} as Extract<Pkcs11SignFigures, { algorithms: unknown }>["algorithms"];
    for (const [alg, c] of Object.entries(cases) as [Algorithm, SignCase][]) {
      const [handle] = findObjects(pkcs11, sessions[0]!, pkcs11js.CKO_PRIVATE_KEY, idOfReference(c.key.reference ?? "")!);
      if (!handle) throw new Error(`the ${alg} key is not in the token`);
      const signSync = () => {
        pkcs11.C_SignInit(sessions[0]!, c.mechanism, handle);
        return pkcs11.C_Sign(sessions[0]!, c.data, Buffer.alloc(c.length));
      };
      const signAsync = (loop: number) => {
        pkcs11.C_SignInit(sessions[loop]!, c.mechanism, handle);
        return pkcs11.C_SignAsync(sessions[loop]!, c.data, Buffer.alloc(c.length));
      };
      const rounds: Pkcs11SignRound[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const directSingle = await rate(1, signSync, SECONDS_PER_RUN);
        const directPool = await rate(POOL_SIZE, signAsync, SECONDS_PER_RUN);
        const signed = await rate(POOL_SIZE, () => backend.sign(c.key, alg, c.digest), SECONDS_PER_RUN);
        log(
          `  ${alg} round ${round}: direct ${num(directSingle.opsPerSec)}/s (1 thread), ${num(directPool.opsPerSec)}/s ` +
            `(${POOL_SIZE} sessions); backend ${num(signed.opsPerSec)}/s (${POOL_SIZE} in flight)`,
        );
        rounds.push({ directSingle, directPool, backend: signed });
      }
      algorithms[alg] = { key: alg === "RS256" ? "RSA 2048" : "EC P-256", rounds };
    }
    return { token: "SoftHSM2, throw-away token", poolSize: POOL_SIZE, secondsPerRun: SECONDS_PER_RUN, algorithms };
  } finally {
    for (const session of sessions) pkcs11.C_CloseSession(session);
    releaseModule(token.module);
    await backend.close();
  }
}

const share = (r: Pkcs11SignRound): number => r.backend.opsPerSec / r.directPool.opsPerSec;
/** CPU per operation, backend ÷ direct with the pool: steadier than the rates on a busy machine. */
const cpuShare = (r: Pkcs11SignRound): number => r.backend.cpuMicrosPerOp / r.directPool.cpuMicrosPerOp;
const medianOf = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perOp = (r: SignRate): string => `${num(r.opsPerSec)}/s, CPU ${num(r.cpuMicrosPerOp)} µs/op`;

export function pkcs11SignRows(f: Pkcs11SignFigures): Row[] {
  if ("skipped" in f) {
    return [
      {
        workload: "PKCS#11 RS256 and ES256 sign (backend, and HTTP on -HSM keys)",
        keyhold: f.skipped,
        baseline: "—",
        ratio: "",
        target: "—",
        met: null,
        errors: null,
      },
    ];
  }
  return (Object.entries(f.algorithms) as [Algorithm, { key: string; rounds: Pkcs11SignRound[] }][]).map(([alg, { key, rounds }]) => {
    const median = [...rounds].sort((a, b) => share(a) - share(b))[Math.floor(rounds.length / 2)]!;
    return {
      workload: `PKCS#11 ${alg} sign (backend / SoftHSM direct), ${key}, ${f.poolSize} in flight`,
      keyhold: `backend sign(): ${perOp(median.backend)}`,
      baseline: `direct, ${f.poolSize} sessions (thread pool): ${perOp(median.directPool)}; ` + `1 thread: ${perOp(median.directSingle)}`,
      ratio: `${num(share(median), 2)} (rounds ${rounds.map((r) => num(share(r), 2)).join(", ")}); CPU/op ${num(medianOf(rounds.map(cpuShare)), 2)}`,
      target: "—",
      met: null,
      errors: null,
    };
  });
}

async function main(): Promise<void> {
  const missing = softHsmMissing();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const figures = missing ? { skipped: missing } : await pkcs11SignFigures(log);
  for (const row of pkcs11SignRows(figures)) console.log(`${row.workload}\n  ${row.keyhold}\n  ${row.baseline}\n  ratio ${row.ratio}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(cleanUp, async (error: unknown) => {
    process.stderr.write(`pkcs11-sign failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanUp();
    process.exitCode = 1;
  });
}
