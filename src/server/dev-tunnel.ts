import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import type { VaultHosts } from "./vault-hosts.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/** A tunnel with no traffic either way for this long is closed (the TLS server's keep-alive, 72 s, is shorter). */
const DEFAULT_IDLE_MS = 120_000;
/** Simultaneous tunnels; CONNECTs beyond get 503. */
const DEFAULT_MAX_TUNNELS = 2048;

/**
 * The host is compared in its canonical form: DNS names are case-insensitive and `NAME.vault.azure.net.` (fully
 * qualified, with the root's trailing dot) resolves as `NAME.vault.azure.net` does, so it must not slip past
 * the vault check to the real Azure.
 */
function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[2]);
  const host = match[1]!
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  return host && port > 0 && port < 65536 ? { host, port } : null;
}

function positiveInteger(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * Dev mode's HTTP CONNECT proxy on loopback (docs/clients.md §5), so that `HTTPS_PROXY` brings unmodified clients
 * to `https://NAME.vault.azure.net`. CONNECTs to a vault domain (port 443 or the server's) and to loopback at
 * the server's port are tunnelled to the server's own TLS listener; every other CONNECT passes straight
 * through to its destination so a shell or app using the dev env can still reach the rest of the world.
 * Only loopback clients are served. A tunnel idle for `idleMs` (KEYHOLD_DEV_TUNNEL_IDLE_MS, default 2 minutes)
 * is closed, and at most `maxTunnels` are open at once, so forgotten or runaway clients cannot pile up sockets.
 */
export interface DevTunnel {
  port: number;
  close(): Promise<void>;
}

export interface DevTunnelOptions {
  /** Default: KEYHOLD_DEV_TUNNEL_IDLE_MS, else 2 minutes. */
  idleMs?: number;
  /** Default 2048: every SDK client object keeps its own tunnel open while its connection lives. */
  maxTunnels?: number;
}

export function startDevTunnel(hosts: VaultHosts, tlsPort: number, proxyPort: number, options: DevTunnelOptions = {}): Promise<DevTunnel> {
  const idleMs = options.idleMs ?? positiveInteger(process.env.KEYHOLD_DEV_TUNNEL_IDLE_MS) ?? DEFAULT_IDLE_MS;
  const maxTunnels = options.maxTunnels ?? DEFAULT_MAX_TUNNELS;
  const sockets = new Set<Socket>();
  let tunnels = 0;
  const server: Server = createServer((_request, response) => {
    response.writeHead(405, { "content-type": "text/plain" }).end("This is Keyhold's dev CONNECT proxy.\n");
  });
  server.on("connect", (request, client: Socket, head: Buffer) => {
    const refuse = (status: string) => client.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    if (!LOOPBACK.has(client.remoteAddress ?? "")) return refuse("403 Forbidden");
    const target = parseAuthority(request.url ?? "");
    if (!target) return refuse("400 Bad Request");
    if (tunnels >= maxTunnels) return refuse("503 Service Unavailable");
    const loopbackName = target.host === "localhost" || LOOPBACK.has(target.host);
    const toSelf = hosts.serves(target.host) && (loopbackName ? target.port === tlsPort : target.port === 443 || target.port === tlsPort);
    const upstream = toSelf ? connect(tlsPort, "127.0.0.1") : connect(target.port, target.host);
    tunnels++;
    let open = 2;
    let established = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once("close", () => {
        sockets.delete(socket);
        if (--open === 0) tunnels--;
      });
      // Traffic either way resets both timers (one socket reads what the other writes). A destination that
      // takes as long to connect is given up on the same way.
      socket.setTimeout(idleMs, () => {
        upstream.destroy();
        client.destroy();
      });
    }
    upstream.once("connect", () => {
      established = true;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    // Once the tunnel carries the client's bytes, an HTTP status would corrupt them: the client is just closed.
    upstream.once("error", () => (!established && client.writable ? refuse("502 Bad Gateway") : client.destroy()));
    client.once("error", () => upstream.destroy());
    client.once("close", () => upstream.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(proxyPort, "127.0.0.1", () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
