import { fork } from "node:child_process";
import { pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { stopChild, track } from "./lifecycle.js";

/**
 * The load generator: autocannon over HTTPS keep-alive (pipelining 1), run in its own child process so that it
 * does not share an event loop with the bench, then reduced to the figures the bench reports.
 *
 * TLS: autocannon 8 always connects with `rejectUnauthorized: false` (lib/httpClient.js overrides any
 * `tlsOptions`), so the server's certificate is not verified by the load generator. That is acceptable only
 * because it talks to loopback, to a server this bench started; the setup client (client.ts) does verify
 * against the dev CA.
 */
export interface LoadRequest {
  method: "GET" | "POST" | "PUT";
  path: string;
  body?: string;
}

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  /** Each connection cycles through these (pre-built once, so the generator does no per-request work). */
  requests: LoadRequest[];
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  bytesPerSec: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Errors and non-2xx answers during the warm-up, which is otherwise not reported. */
  warmupErrors: number;
  warmupNon2xx: number;
}

/** Forks this file, hands it the spec, and waits for its result. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const child = track(fork(import.meta.filename, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  try {
    return await new Promise<LoadResult>((done, fail) => {
      child.once("message", (message: { result?: LoadResult; error?: string }) =>
        message.result ? done(message.result) : fail(new Error(`load generator: ${message.error}`)),
      );
      child.once("exit", (code) => fail(new Error(`load generator exited (${code}) without a result`)));
      child.send(spec);
    });
  } finally {
    await stopChild(child);
  }
}

async function generate(spec: LoadSpec): Promise<LoadResult> {
  const result = (await autocannon({
    url: spec.url,
    headers: spec.headers,
    requests: spec.requests,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.seconds,
    timeout: 30,
    // Warm-up: same connections and requests, results discarded (kept below as `warmup`).
    warmup: { connections: spec.connections, duration: spec.warmupSeconds },
  } as autocannon.Options)) as autocannon.Result & { warmup?: autocannon.Result };
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    connections: spec.connections,
    seconds: result.duration,
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    bytesPerSec: result.throughput.average,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    warmupErrors: (result.warmup?.errors ?? 0) + (result.warmup?.timeouts ?? 0),
    warmupNon2xx: result.warmup?.non2xx ?? 0,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.once("message", (spec: LoadSpec) => {
    generate(spec).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (error: unknown) => process.send!({ error: String(error) }, () => process.exit(1)),
    );
  });
}
