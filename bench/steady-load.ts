import autocannon from "autocannon";
import type { LoadResult, LoadSpec } from "./load.js";
import { percentile } from "./pages.js";

/** The longest warm-up, the longest wait for the measured answers, and the longest answer, before a run gives up. */
const MAX_WAIT_SECONDS = 120;

/**
 * A load whose requests take longer than a warm-up lasts (a certificate create: its RSA key generation waits on the
 * thread pool behind every other connection's). autocannon's own warm-up closes its connections when it ends while
 * the server still works through their requests, so the measured run would start behind those, then refill an
 * emptied queue during the measured seconds. Here one run keeps its connections: the warm-up lasts until there have
 * been as many answers as connections and `warmupSeconds` have passed (the queue is full), then answers are counted
 * from autocannon's response events until `seconds` have passed and as many answers as connections have come again.
 *
 * Such answers can come in waves: when each request's later steps queue on the thread pool behind every waiting
 * key generation, all connections are answered at nearly the same moment, once per turn of the queue. A count over
 * a fixed window would then be off by up to a whole wave, depending on where the window's ends fall. The rate here is
 * Little's law for a closed loop instead: each connection always has one request waiting, so the server answers
 * `connections` requests per mean latency, whether the answers come evenly or in waves.
 */
export function steadyLoad(spec: LoadSpec, requests: autocannon.Request[]): Promise<LoadResult> {
  const started = performance.now();
  let measuredFrom: number | null = null;
  let warmupAnswers = 0;
  const warmup = { errors: 0, non2xx: 0 };
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const measured = { bytes: 0, errors: 0, timeouts: 0, non2xx: 0 };
  let stopped = false;

  return new Promise<LoadResult>((done, fail) => {
    const options = {
      url: spec.url,
      headers: spec.headers,
      requests,
      connections: spec.connections,
      pipelining: 1,
      duration: spec.warmupSeconds + spec.seconds + 2 * MAX_WAIT_SECONDS,
      timeout: MAX_WAIT_SECONDS,
    };
    const instance = autocannon(options, (error: unknown) => {
      if (error) return fail(error instanceof Error ? error : new Error("autocannon failed"));
      if (measuredFrom === null) {
        const waited = ((performance.now() - started) / 1000).toFixed(0);
        return fail(new Error(`no steady state: ${warmupAnswers} answers to ${spec.connections} connections in ${waited} s`));
      }
      latencies.sort((a, b) => a - b);
      const seconds = (performance.now() - measuredFrom) / 1000;
      const meanLatencyMs = latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length;
      done({
        connections: spec.connections,
        seconds,
        requests: latencies.length,
        rps: latencies.length > 0 ? spec.connections / (meanLatencyMs / 1000) : 0,
        // Whole milliseconds, as autocannon reports its own.
        p50Ms: Math.round(percentile(latencies, 50)),
        p90Ms: Math.round(percentile(latencies, 90)),
        p99Ms: Math.round(percentile(latencies, 99)),
        maxMs: Math.round(latencies.at(-1) ?? 0),
        bytesPerSec: measured.bytes / seconds,
        errors: measured.errors,
        timeouts: measured.timeouts,
        non2xx: measured.non2xx,
        statusCodes,
        warmupErrors: warmup.errors,
        warmupNon2xx: warmup.non2xx,
      });
    });
    instance.on("response", (_client, statusCode, resBytes, responseTime) => {
      const ok = statusCode >= 200 && statusCode < 300;
      const now = performance.now();
      if (measuredFrom === null) {
        if (!ok) warmup.non2xx++;
        warmupAnswers++;
        if (warmupAnswers >= spec.connections && now - started >= spec.warmupSeconds * 1000) measuredFrom = now;
      } else if (!stopped) {
        statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
        if (!ok) measured.non2xx++;
        latencies.push(responseTime);
        measured.bytes += resBytes;
        if (now - measuredFrom >= spec.seconds * 1000 && latencies.length >= spec.connections) {
          stopped = true;
          instance.stop();
        }
      }
    });
    // autocannon counts a timeout as an error too; so does this.
    instance.on("reqError", (error: Error) => {
      if (measuredFrom === null) warmup.errors++;
      else if (!stopped) {
        measured.errors++;
        if (error.message === "request timed out") measured.timeouts++;
      }
    });
  });
}
