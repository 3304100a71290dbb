import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { ServerConfig } from "../config/server-config.js";
import { DEFAULT_BODY_LIMIT } from "../config/server-config.js";
import { Envelope } from "../crypto/envelope.js";
import { issuerUrl } from "../identity/issuer-url.js";
import { PrincipalService } from "../identity/principal-service.js";
import { loadSigningKey } from "../identity/signing-key.js";
import { TokenIssuer } from "../identity/token-issuer.js";
import { TokenVerifier } from "../identity/token-verifier.js";
import { SqliteStore } from "../storage/sqlite/sqlite-store.js";
import type { Store } from "../storage/store.js";
import { SecretService } from "../vault/secret-service.js";
import { VaultService } from "../vault/vault-service.js";
import type { AppContext } from "./app-context.js";
import { buildApp } from "./build-app.js";
import { type DevTunnel, startDevTunnel } from "./dev-tunnel.js";
import { VaultHosts } from "./vault-hosts.js";

export interface RunningServer {
  config: ServerConfig;
  ctx: AppContext;
  store: Store;
  port: number;
  proxyPort: number | null;
  close(): Promise<void>;
}

const PURGE_INTERVAL_MS = 60_000;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Composition root: open the store → unseal → build the services and the app → listen. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const store = SqliteStore.open(config.storeFile);
  try {
    const envelope = new Envelope(config.masterKey);
    const tenantId = (await store.initMeta("tenant-id", Buffer.from(randomUUID()))).toString("utf8");
    const signingKey = await loadSigningKey(store, envelope);
    const hosts = new VaultHosts(config.vaultDomains, config.defaultVault);
    const issuer = issuerUrl(config.authorityUrl, tenantId);
    const ctx: AppContext = {
      mode: config.mode,
      tenantId,
      authorityUrl: config.authorityUrl,
      hosts,
      vaults: new VaultService(store, nowSeconds),
      secrets: new SecretService({ store, envelope, now: nowSeconds }),
      principals: new PrincipalService(store, nowSeconds),
      issuer: new TokenIssuer(signingKey, { issuer, tenantId, lifetimeSeconds: config.tokenLifetimeSeconds, now: nowSeconds }),
      verifier: new TokenVerifier(signingKey, { issuer, tenantId, audiences: hosts.resources, leewaySeconds: 60, now: nowSeconds }),
      vaultUri: (name) => config.vaultUriTemplate.replace("{name}", name.toLowerCase()),
      bodyLimit: DEFAULT_BODY_LIMIT,
      logLevel: config.logLevel,
    };
    const app: FastifyInstance = buildApp(ctx, config.tls);
    await app.listen({ host: config.listenHost, port: config.port });
    const port = (app.server.address() as AddressInfo).port;
    let tunnel: DevTunnel | null = null;
    if (config.mode === "dev" && config.proxyPort !== null) {
      tunnel = await startDevTunnel(hosts, port, config.proxyPort);
    }
    const purge = setInterval(() => {
      store.purgeDueObjects(nowSeconds()).catch((error) => app.log.error({ err: error }, "purge failed"));
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
