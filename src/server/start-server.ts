import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { ServerConfig } from "../config/server-config.js";
import { SqliteStore } from "../storage/sqlite/sqlite-store.js";
import type { Store } from "../storage/store.js";
import type { AppContext } from "./app-context.js";
import { buildApp } from "./build-app.js";
import { createContext, nowSeconds } from "./create-context.js";
import { type DevTunnel, startDevTunnel } from "./dev-tunnel.js";

export interface RunningServer {
  config: ServerConfig;
  ctx: AppContext;
  store: Store;
  port: number;
  proxyPort: number | null;
  close(): Promise<void>;
}

const PURGE_INTERVAL_MS = 60_000;

/** Composition root: open the store → unseal → build the services and the app → listen. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const store = SqliteStore.open(config.storeFile);
  try {
    let app: FastifyInstance | null = null;
    const ctx = await createContext(store, config, {
      // Dev mode keeps -HSM key types in software, and says so each time one is made.
      onSoftwareHsmKey: (vault, name) => app?.log.warn({ vault, key: name }, "dev mode: an -HSM key type is kept in software, not in an HSM"),
    });
    app = buildApp(ctx, config.tls);
    await app.listen({ host: config.listenHost, port: config.port });
    const port = (app.server.address() as AddressInfo).port;
    let tunnel: DevTunnel | null = null;
    if (config.mode === "dev" && config.proxyPort !== null) {
      tunnel = await startDevTunnel(ctx.hosts, port, config.proxyPort);
    }
    const purge = setInterval(() => {
      store.purgeDueObjects(nowSeconds()).catch((error) => app?.log.error({ err: error }, "purge failed"));
    }, PURGE_INTERVAL_MS);
    purge.unref();
    return {
      config,
      ctx,
      store,
      port,
      proxyPort: tunnel?.port ?? null,
      async close() {
        clearInterval(purge);
        await tunnel?.close();
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
