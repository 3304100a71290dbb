import cluster, { type Worker } from "node:cluster";
import type { ServerConfig } from "../config/server-config.js";
import type { Registry } from "prom-client";
import { answerWorkerScrapesWith, onWorkerMetricsMessage, workerLeft, workerServes } from "./metrics/cluster-primary-metrics.js";

/**
 * node:cluster: N worker processes serve HTTPS on one shared port, so one server uses every core. The
 * primary sends each worker the validated config over the IPC channel (never through the environment or
 * argv, since it holds the master key and the HSM token's PIN) and replaces a worker that dies. Each worker opens
 * its own session with the token (a PKCS#11 library's state is per process); the environment it inherits names only
 * where a library reads its own configuration (SOFTHSM2_CONF in dev mode). Metrics messages go over the same channel
 * (metrics/cluster-primary-metrics.ts): a serving worker's registry is added to every scrape's answer.
 */
export interface Workers {
  port: number;
  close(): Promise<void>;
}

interface ConfigMessage {
  type: "keyhold-config";
  config: ServerConfig;
}

const CONFIG_REQUEST = "keyhold-config-request";

/**
 * In a worker: asks the primary for the config once this process listens for the answer (a message sent
 * before a listener exists would be lost while the worker is still loading its modules).
 */
export function requestConfig(): Promise<ServerConfig> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== "object" || message === null || (message as ConfigMessage).type !== "keyhold-config") return;
      process.off("message", onMessage);
      resolve((message as ConfigMessage).config);
    };
    process.on("message", onMessage);
    process.send!({ type: CONFIG_REQUEST });
  });
}

/** Starts the workers; `metrics`, the primary's own registry, is added to the workers' in every scrape. */
export async function startWorkers(config: ServerConfig, metrics: Registry, log: (message: string) => void): Promise<Workers> {
  answerWorkerScrapesWith(metrics);
  cluster.setupPrimary({ serialization: "advanced", args: [] });
  let closing = false;
  let port = 0;

  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      worker.on("message", (message: { type?: string }) => {
        if (message?.type === CONFIG_REQUEST) worker.send({ type: "keyhold-config", config } satisfies ConfigMessage);
        else onWorkerMetricsMessage(worker, message);
      });
      worker.once("listening", (address) => {
        port = address.port;
        workerServes(worker);
        resolve(worker);
      });
      worker.once("exit", (code, signal) => {
        workerLeft(worker);
        if (closing) return;
        if (port === 0) return reject(new Error(`a worker exited before listening (code ${code}, signal ${signal})`));
        log(`worker ${worker.process.pid} exited (code ${code}, signal ${signal}); starting another`);
        fork().catch((error: Error) => log(`could not replace a worker: ${error.message}`));
      });
    });

  const workers = await Promise.all(Array.from({ length: config.workers }, fork));
  return {
    port,
    async close() {
      closing = true;
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (worker) =>
            new Promise<void>((done) => {
              if (!worker || worker.isDead()) return done();
              const timer = setTimeout(() => worker.kill("SIGKILL"), 5_000);
              worker.once("exit", () => {
                clearTimeout(timer);
                done();
              });
              worker.disconnect();
            }),
        ),
      );
      void workers;
    },
  };
}
