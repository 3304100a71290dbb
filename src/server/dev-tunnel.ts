import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import type { VaultHosts } from "./vault-hosts.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1]!.replace(/^\[|\]$/g, ""), port } : null;
}

/**
 * Dev mode's HTTP CONNECT proxy on loopback (WIRING.md §5), so that `HTTPS_PROXY` brings unmodified clients
 * to `https://NAME.vault.azure.net`. CONNECTs to a vault domain (port 443 or the server's) and to loopback at
 * the server's port are tunnelled to the server's own TLS listener; every other CONNECT passes straight
 * through to its destination so a shell or app using the dev env can still reach the rest of the world.
 * Only loopback clients are served.
 */
export interface DevTunnel {
  port: number;
  close(): Promise<void>;
}

export function startDevTunnel(hosts: VaultHosts, tlsPort: number, proxyPort: number): Promise<DevTunnel> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((_request, response) => {
    response.writeHead(405, { "content-type": "text/plain" }).end("This is Keyhold's dev CONNECT proxy.\n");
  });
  server.on("connect", (request, client: Socket, head: Buffer) => {
    const refuse = (status: string) => client.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    if (!LOOPBACK.has(client.remoteAddress ?? "")) return refuse("403 Forbidden");
    const target = parseAuthority(request.url ?? "");
    if (!target) return refuse("400 Bad Request");
    const loopbackName = target.host === "localhost" || LOOPBACK.has(target.host);
    const toSelf = hosts.serves(target.host) && (loopbackName ? target.port === tlsPort : target.port === 443 || target.port === tlsPort);
    const upstream = toSelf ? connect(tlsPort, "127.0.0.1") : connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    }
    upstream.once("connect", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once("error", () => (client.writable ? refuse("502 Bad Gateway") : client.destroy()));
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
