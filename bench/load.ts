import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { stopChild, track } from "./lifecycle.js";
import { steadyLoad } from "./steady-load.js";

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
  /**
   * Sent with NUMBER in its path replaced, at each send, by a token the load generator has not sent before (across
   * its connections, its warm-up and other runs), so that every request creates an object of its own. Built per
   * request in the generator's process: a request factory cannot be handed over to it, only this flag.
   */
  numbered?: boolean;
}

/** The placeholder that a numbered request's path carries. */
export const NUMBER = "{n}";

/** The request with NUMBER replaced by `token`: what the generator sends, and what a probe sends first. */
export const numberedAs = (request: LoadRequest, token: string): LoadRequest => ({
  ...request,
  path: request.path.replaceAll(NUMBER, token),
});

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  /** Each connection cycles through these (pre-built once, so the generator does no per-request work, unless numbered). */
  requests: LoadRequest[];
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** For requests slower than the warm-up: one run, measured once it is in a steady state (steady-load.ts). */
  steady?: boolean;
  /**
   * Local source addresses (loopback aliases such as 127.0.0.2): the connections are spread over them, one
   * autocannon instance per address, to look like many clients. Only the token-flood row uses it (a server
   * that limits per source address sees each address separately).
   */
  localAddresses?: string[];
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
  if (spec.steady) return steadyLoad(spec, autocannonRequests(spec.requests));
  if (spec.localAddresses && spec.localAddresses.length > 0) return generateFrom(spec, spec.localAddresses);
  return summarise(spec.connections, await autocannonRun(spec, spec.connections));
}

/** This generator's tokens: a random prefix (another run's generator has another) and a count. */
const RUN_PREFIX = randomBytes(4).toString("hex");
let sent = 0;

/** The spec's requests as autocannon takes them: a numbered one gets a setupRequest that numbers each send. */
function autocannonRequests(requests: LoadRequest[]): autocannon.Request[] {
  return requests.map(({ numbered, ...request }) =>
    numbered
      ? { ...request, setupRequest: (built: autocannon.Request) => ({ ...built, ...numberedAs(request, `${RUN_PREFIX}-${sent++}`) }) }
      : request,
  );
}

function autocannonRun(
  spec: LoadSpec,
  connections: number,
  localAddress?: string,
): Promise<autocannon.Result & { warmup?: autocannon.Result }> {
  return autocannon({
    url: spec.url,
    headers: spec.headers,
    requests: autocannonRequests(spec.requests),
    connections,
    pipelining: 1,
    duration: spec.seconds,
    timeout: 30,
    // Warm-up: same connections and requests, results discarded (kept below as `warmup`).
    warmup: { connections, duration: spec.warmupSeconds },
    // autocannon hands tlsOptions to tls.connect, which binds the socket to localAddress.
    ...(localAddress && { tlsOptions: { localAddress } }),
  } as autocannon.Options);
}

function summarise(connections: number, result: autocannon.Result & { warmup?: autocannon.Result }): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    connections,
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

/**
 * One autocannon instance per source address, side by side, merged: counts are summed; the latencies are the
 * worst instance's (percentiles of separate runs cannot be merged exactly, and a flood is judged by its count).
 */
async function generateFrom(spec: LoadSpec, addresses: string[]): Promise<LoadResult> {
  const per = addresses.map((_, i) => Math.floor(spec.connections / addresses.length) + (i < spec.connections % addresses.length ? 1 : 0));
  const parts = (await Promise.all(addresses.flatMap((address, i) => (per[i]! > 0 ? [autocannonRun(spec, per[i]!, address)] : [])))).map(
    (r, i) => summarise(per[i]!, r),
  );
  const seconds = Math.max(...parts.map((p) => p.seconds));
  const sum = (f: (p: LoadResult) => number) => parts.reduce((total, p) => total + f(p), 0);
  const statusCodes: Record<string, number> = {};
  for (const p of parts) for (const [code, count] of Object.entries(p.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const worst = (f: (p: LoadResult) => number) => Math.max(...parts.map(f));
  return {
    connections: spec.connections,
    seconds,
    requests: sum((p) => p.requests),
    rps: sum((p) => p.requests) / seconds,
    p50Ms: worst((p) => p.p50Ms),
    p90Ms: worst((p) => p.p90Ms),
    p99Ms: worst((p) => p.p99Ms),
    maxMs: worst((p) => p.maxMs),
    bytesPerSec: sum((p) => p.bytesPerSec),
    errors: sum((p) => p.errors),
    timeouts: sum((p) => p.timeouts),
    non2xx: sum((p) => p.non2xx),
    statusCodes,
    warmupErrors: sum((p) => p.warmupErrors),
    warmupNon2xx: sum((p) => p.warmupNon2xx),
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
