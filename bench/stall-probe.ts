import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import type { KeyholdServer } from "./server.js";

/**
 * Measures how long the server's event loop is held while something runs: GET /healthz goes out every
 * PING_EVERY_MS on connections of its own, opened beforehand; a ping sent as a stall begins waits for all of it,
 * so the slowest ping is the longest stall (plus one ping's own ~1 ms).
 *
 * On a shared machine a ping also waits while the server is not scheduled at all, which says nothing of the server.
 * So each ping also reads the CPU time the server's main thread (the event loop's) ran while it was in flight, from
 * Linux's /proc/PID/task/PID/schedstat (nanoseconds): the most of it during one ping is the longest stall as the
 * server's own work, whatever else the machine runs.
 */
export const PING_EVERY_MS = 5;
/** Open before the measurement: a TLS handshake during it would be measured too. */
const PING_CONNECTIONS = 32;

export interface PingFigures {
  slowestPingMs: number;
  /** The most CPU time the server's event-loop thread ran during one ping; null where /proc is not available. */
  longestCpuMs: number | null;
  pings: number;
}

/** The CPU time (ms) the main thread of `pid` has run, or null where /proc is not available. */
function mainThreadCpuMs(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return null;
  }
}

export const sleep = (msToWait: number): Promise<void> => new Promise((r) => setTimeout(r, msToWait));

export const medianOf = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export class StallProbe {
  readonly #agent: Agent;

  private constructor(private readonly server: KeyholdServer) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: PING_CONNECTIONS, ca: server.ca });
  }

  /** A probe whose connections are already open. */
  static async open(server: KeyholdServer): Promise<StallProbe> {
    const probe = new StallProbe(server);
    await Promise.all(Array.from({ length: PING_CONNECTIONS }, () => probe.pinging(async () => {})));
    return probe;
  }

  /** Pings GET /healthz every PING_EVERY_MS while `during` runs; the slowest answer and how many there were. */
  async pinging(during: () => Promise<unknown>): Promise<PingFigures> {
    const latencies: number[] = [];
    const cpu: number[] = [];
    const inFlight: Promise<void>[] = [];
    const ping = () =>
      new Promise<void>((done, fail) => {
        const sent = performance.now();
        const cpuAtSend = mainThreadCpuMs(this.server.pid);
        const req = request({ host: "localhost", port: this.server.port, path: "/healthz", agent: this.#agent }, (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(performance.now() - sent);
            const cpuNow = mainThreadCpuMs(this.server.pid);
            if (cpuAtSend !== null && cpuNow !== null) cpu.push(cpuNow - cpuAtSend);
            done();
          });
        });
        req.on("error", fail);
        req.end();
      });
    const timer = setInterval(() => inFlight.push(ping()), PING_EVERY_MS);
    try {
      await during();
      await sleep(4 * PING_EVERY_MS);
    } finally {
      clearInterval(timer);
      await Promise.all(inFlight);
    }
    return { slowestPingMs: Math.max(...latencies), longestCpuMs: cpu.length > 0 ? Math.max(...cpu) : null, pings: latencies.length };
  }

  close(): void {
    this.#agent.destroy();
  }
}
