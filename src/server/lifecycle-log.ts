import type { ServerConfig } from "../config/server-config.js";
import type { RunningServer } from "./start-server.js";

/** The store as the log names it: the SQLite file, or PostgreSQL's host, port and database, never its user or password. */
export function describeStore(config: Pick<ServerConfig, "storeFile" | "databaseUrl">): string {
  if (!config.databaseUrl) return `SQLite ${config.storeFile}`;
  try {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL ${url.hostname || "local socket"}${url.port && `:${url.port}`}${url.pathname}`;
  } catch {
    return "PostgreSQL";
  }
}

/**
 * Says what the server started: where it listens (HTTPS, and dev mode's proxy and the metrics listener when they
 * exist), on which store, with how many vaults, and whether it leads.
 */
export async function logStarted(server: RunningServer): Promise<void> {
  const { config, store } = server;
  server.ctx.logger.info(
    {
      mode: config.mode,
      listening: [
        `https://${config.listenHost}:${server.port}`,
        ...(server.proxyPort === null ? [] : [`http://127.0.0.1:${server.proxyPort}`]),
        ...(server.metricsPort === null || !config.metricsListen
          ? []
          : [`http://${config.metricsListen.host}:${server.metricsPort}/metrics`]),
      ],
      store: describeStore(config),
      vaults: (await store.listVaults()).length,
      leader: await store.leads(),
      workers: config.workers,
    },
    "Keyhold started",
  );
}

/**
 * Stops the server on a signal, saying so: how many connections it waits for (requests under way finish, idle
 * connections close), then how long stopping took. Resolves with the exit code.
 */
export async function stopLogged(server: RunningServer, signal: string): Promise<number> {
  const started = performance.now();
  const logger = server.ctx.logger;
  const connections = await server.openConnections();
  logger.info(
    { signal, connections: connections ?? undefined },
    connections === null
      ? `${signal}: draining the connections of ${server.config.workers} workers`
      : `${signal}: draining ${connections} connection${connections === 1 ? "" : "s"}`,
  );
  try {
    await server.close();
  } catch (error) {
    logger.error({ err: error }, "could not stop cleanly");
    return 1;
  }
  const durationMs = Math.round(performance.now() - started);
  logger.info({ durationMs }, `stopped after ${durationMs} ms`);
  return 0;
}
