import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { ServerConfig } from "../config/server-config.js";
import type { TokenKeyBackend } from "../crypto/key-backend.js";
import { openStore } from "../storage/open-store.js";
import type { Store } from "../storage/store.js";
import type { AppContext } from "./app-context.js";
import { buildApp } from "./build-app.js";
import { startBackgroundWork } from "./background-work.js";
import { createContext } from "./create-context.js";
import { DevClock } from "./dev-clock.js";
import { type DevTunnel, startDevTunnel } from "./dev-tunnel.js";
import { type MetricsListener, startMetricsListener } from "./metrics/metrics-listener.js";
import { requestConfig, startWorkers } from "./workers.js";
import { logTokenOpened, openTokenBackend } from "./open-token-backend.js";

export interface RunningServer {
  config: ServerConfig;
  ctx: AppContext;
  store: Store;
  port: number;
  proxyPort: number | null;
  /** The plain-HTTP metrics listener's port, or null when there is none. */
  metricsPort: number | null;
  /** The HTTPS connections open now, or null when workers hold them. */
  openConnections(): Promise<number | null>;
  close(): Promise<void>;
}

/**
 * Opens the store, builds the services (with this process's token backend, if any) and the HTTPS app, and listens
 * (alone, or as a cluster worker).
 */
async function serve(
  config: ServerConfig,
  tokenBackend: TokenKeyBackend | null,
): Promise<{ store: Store; ctx: AppContext; app: FastifyInstance; port: number }> {
  const store = await openStore(config);
  try {
    let app: FastifyInstance | null = null;
    const ctx = await createContext(store, config, {
      ...(config.mode === "dev" && config.workers === 1 && { devClock: new DevClock() }),
      tokenBackend: tokenBackend ?? undefined,
      // Dev mode keeps -HSM key types in software, and says so each time one is made.
      onSoftwareHsmKey: (vault, name) =>
        app?.log.warn({ vault, key: name }, "dev mode: an -HSM key type is kept in software, not in an HSM"),
      onNewerApiVersion: (requested, served) =>
        app?.log.warn(
          { apiVersion: requested, servedAs: served },
          `dev mode: api-version ${requested} is newer than the newest this Keyhold knows; answering as ${served} (keyhold dev --strict-api-versions refuses it)`,
        ),
    });
    app = buildApp(ctx, config.tls);
    await app.listen({ host: config.listenHost, port: config.port });
    return { store, ctx, app, port: (app.server.address() as AddressInfo).port };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A cluster worker: serves with the config the primary sends, until the primary disconnects it. */
export async function runWorker(): Promise<void> {
  const config = await requestConfig();
  const tokenBackend = await openTokenBackend(config.hsm);
  const { store, app } = await serve(config, tokenBackend);
  // Shutdown is the primary's to order (a Ctrl-C reaches the whole process group): it disconnects us.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => undefined);
  process.once("disconnect", () => {
    void app
      .close()
      .then(() => tokenBackend?.close())
      .then(() => store.close())
      .finally(() => process.exit(0));
  });
}

/**
 * Composition root: open the HSM token (when one is configured) → open the store → unseal → build the services and
 * the app → listen. The token opens first, so that a token that cannot be used stops the start before anything is
 * written. With more than one worker the HTTPS listeners live in cluster workers, each with its own token session;
 * this process keeps the dev tunnel and background work (purge and rotation reach the token too).
 */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  // Everything this process writes (the store, its WAL and shared-memory files, keys) is for its owner only.
  process.umask(0o077);
  const tokenBackend = await openTokenBackend(config.hsm);
  try {
    const server = await startServing(config, tokenBackend);
    if (tokenBackend) logTokenOpened(server.ctx.logger, config.hsm!, tokenBackend);
    return {
      ...server,
      async close() {
        await server.close();
        await tokenBackend?.close();
      },
    };
  } catch (error) {
    await tokenBackend?.close();
    throw error;
  }
}

/** Everything of a start but the token: the store, the context, the listeners and the background work. */
async function startServing(config: ServerConfig, tokenBackend: TokenKeyBackend | null): Promise<RunningServer> {
  let serving: Pick<RunningServer, "store" | "ctx" | "port" | "openConnections" | "close">;
  if (config.workers > 1) {
    const store = await openStore(config);
    try {
      const ctx = await createContext(store, config, { tokenBackend: tokenBackend ?? undefined });
      const workers = await startWorkers(config, ctx.metrics.registry, (message) => process.stderr.write(`keyhold: ${message}\n`));
      serving = { store, ctx, port: workers.port, openConnections: async () => null, close: () => workers.close() };
    } catch (error) {
      await store.close();
      throw error;
    }
  } else {
    const single = await serve(config, tokenBackend);
    serving = {
      ...single,
      openConnections: () =>
        new Promise((resolve, reject) => single.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
      close: () => single.app.close(),
    };
  }
  const { store, ctx, port } = serving;
  try {
    let tunnel: DevTunnel | null = null;
    if (config.mode === "dev" && config.proxyPort !== null) {
      tunnel = await startDevTunnel(ctx.hosts, port, config.proxyPort);
    }
    ctx.metrics.collectProcessMetrics();
    let metricsListener: MetricsListener | null = null;
    if (config.metricsListen)
      metricsListener = await startMetricsListener(ctx.metrics, config.metricsListen.host, config.metricsListen.port);
    const background = startBackgroundWork(store, ctx, config.backgroundIntervalMs, (message) =>
      process.stderr.write(`keyhold: ${message}\n`),
    );
    // A master key rotation that a stopped process left under way continues (on the leading process only).
    if (await store.leads())
      void ctx.masterKeyRotation
        .resumeInterrupted()
        .catch((error: Error) => process.stderr.write(`keyhold: master key rotation: ${error.message}\n`));
    return {
      config,
      ctx,
      store,
      port,
      proxyPort: tunnel?.port ?? null,
      metricsPort: metricsListener?.port ?? null,
      openConnections: serving.openConnections,
      async close() {
        background.stop();
        await ctx.masterKeyRotation.stop();
        await tunnel?.close();
        await metricsListener?.close();
        await serving.close();
        await store.close();
      },
    };
  } catch (error) {
    await serving.close();
    await store.close();
    throw error;
  }
}
