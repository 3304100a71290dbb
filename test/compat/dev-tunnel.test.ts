import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { issueServerCertificate } from "../../src/crypto/dev-certificates.js";
import { startDevTunnel } from "../../src/server/dev-tunnel.js";
import { VaultHosts } from "../../src/server/vault-hosts.js";
import { type DevServer, startDevServer } from "../support/dev-server.js";

function connectThrough(proxyPort: number, authority: string): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: "127.0.0.1", port: proxyPort, method: "CONNECT", path: authority })
      .on("connect", (res, socket) => resolve({ status: res.statusCode ?? 0, socket }))
      .on("error", reject)
      .end();
  });
}

function httpsOver(socket: Socket, servername: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, servername }, () => {
      tls.write(`GET ${path} HTTP/1.1\r\nhost: ${servername}\r\nconnection: close\r\n\r\n`);
    });
    let data = "";
    tls.on("data", (c: Buffer) => (data += c.toString()));
    tls.on("end", () => resolve(data));
    tls.on("error", reject);
  });
}

/** The dev CONNECT proxy (docs/clients.md): vault hosts reach Keyhold, every other host passes through. */
describe("the dev CONNECT proxy", () => {
  let server: DevServer;
  let other: Server;
  let otherPort: number;
  before(async () => {
    server = await startDevServer();
    const ca = { certPem: readFileSync(join(server.dir, "ca.pem"), "utf8"), keyPem: readFileSync(join(server.dir, "ca-key.pem"), "utf8") };
    const cert = await issueServerCertificate(ca, ["localhost"], ["127.0.0.1"]);
    other = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.end("not a vault"));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
    otherPort = (other.address() as AddressInfo).port;
  });
  after(async () => {
    other.close();
    await server.stop();
  });

  it("tunnels NAME.vault.azure.net:443 to the server's own TLS listener", async () => {
    const { status, socket } = await connectThrough(server.proxyPort, "keyhold-dev.vault.azure.net:443");
    assert.equal(status, 200);
    const response = await httpsOver(socket, "keyhold-dev.vault.azure.net", "/healthz");
    assert.match(response, /^HTTP\/1\.1 200/);
    assert.match(response, /"status":"ok"/);
  });

  it("tunnels a fully qualified NAME.vault.azure.net. (trailing dot, any case) and localhost. to Keyhold, not onwards", async () => {
    // DNS resolves the name with the root's dot as it does without: passed through, it would reach the real Azure.
    for (const authority of ["keyhold-dev.vault.azure.net.:443", "KEYHOLD-DEV.Vault.Azure.Net.:443", `localhost.:${server.port}`]) {
      const { status, socket } = await connectThrough(server.proxyPort, authority);
      assert.equal(status, 200, authority);
      // The TLS server name carries no trailing dot (RFC 6066 §3); the listener is Keyhold's, with its certificate.
      const response = await httpsOver(socket, authority.startsWith("localhost") ? "localhost" : "keyhold-dev.vault.azure.net", "/healthz");
      assert.match(response, /^HTTP\/1\.1 200/, authority);
      assert.match(response, /"status":"ok"/, authority);
    }
  });

  it("passes other hosts straight through, so a dev-env process still reaches them", async () => {
    const { status, socket } = await connectThrough(server.proxyPort, `localhost:${otherPort}`);
    assert.equal(status, 200);
    const response = await httpsOver(socket, "localhost", "/");
    assert.match(response, /not a vault$/);
  });

  it("answers 502 for a destination that cannot be reached and 400 for a malformed one", async () => {
    const closed = await connectThrough(server.proxyPort, "127.0.0.1:1");
    assert.equal(closed.status, 502);
    closed.socket.destroy();
    const malformed = await connectThrough(server.proxyPort, "no-port-here");
    assert.equal(malformed.status, 400);
    malformed.socket.destroy();
  });
});

/** A TLS connection to Keyhold through the proxy, kept open (HTTP keep-alive) for the idle-timeout tests. */
async function openVaultTunnel(proxyPort: number): Promise<TLSSocket> {
  const { status, socket } = await connectThrough(proxyPort, "keyhold-dev.vault.azure.net:443");
  assert.equal(status, 200);
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, servername: "keyhold-dev.vault.azure.net" }, () => resolve(tls));
    tls.once("error", reject);
  });
}

/** One keep-alive request on an open tunnel; resolves with the status line. */
function healthz(tls: TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    const onData = (c: Buffer) => {
      data += c.toString();
      if (/\r\n\r\n[\s\S]*"status":"ok"/.test(data)) {
        tls.off("data", onData);
        resolve(data.split("\r\n")[0]!);
      }
    };
    tls.on("data", onData);
    tls.once("error", reject);
    tls.write("GET /healthz HTTP/1.1\r\nhost: keyhold-dev.vault.azure.net\r\n\r\n");
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the dev CONNECT proxy's idle timeout", () => {
  const IDLE_MS = 1500;
  let server: DevServer;
  before(async () => {
    server = await startDevServer(undefined, [], { KEYHOLD_DEV_TUNNEL_IDLE_MS: String(IDLE_MS) });
  });
  after(async () => {
    await server.stop();
  });

  it("keeps a tunnel with traffic open and closes it once it has been idle for KEYHOLD_DEV_TUNNEL_IDLE_MS", async () => {
    const tls = await openVaultTunnel(server.proxyPort);
    let closedAt = 0;
    tls.once("close", () => (closedAt = Date.now()));
    tls.on("error", () => {});
    // Traffic more often than the timeout, for longer than it: the tunnel stays.
    for (let i = 0; i < 5; i++) {
      await sleep(IDLE_MS / 3);
      assert.equal(await healthz(tls), "HTTP/1.1 200 OK");
    }
    const lastTraffic = Date.now();
    assert.equal(closedAt, 0, "a tunnel with traffic was closed");
    const deadline = lastTraffic + IDLE_MS + 5000;
    while (!closedAt && Date.now() < deadline) await sleep(50);
    assert.ok(closedAt, "an idle tunnel was not closed");
    assert.ok(closedAt - lastTraffic >= IDLE_MS - 100, `closed ${closedAt - lastTraffic} ms after the last traffic`);
  });
});

describe("the dev CONNECT proxy's tunnel cap", () => {
  it("answers 503 beyond maxTunnels simultaneous tunnels, and serves again once one closes", async () => {
    // Stands in for the TLS listener: the cap is about sockets, not what flows through them.
    const held = new Set<Socket>();
    const listener = createTcpServer((socket) => held.add(socket));
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", () => r()));
    const tlsPort = (listener.address() as AddressInfo).port;
    const tunnel = await startDevTunnel(new VaultHosts(["vault.azure.net"], "keyhold-dev"), tlsPort, 0, { maxTunnels: 2 });
    try {
      const first = await connectThrough(tunnel.port, "a.vault.azure.net:443");
      const second = await connectThrough(tunnel.port, `localhost:${tlsPort}`);
      assert.deepEqual([first.status, second.status], [200, 200]);
      const third = await connectThrough(tunnel.port, "c.vault.azure.net:443");
      assert.equal(third.status, 503);
      third.socket.destroy();
      first.socket.destroy();
      let again = { status: 0, socket: null as Socket | null };
      for (let i = 0; i < 40 && again.status !== 200; i++) {
        await sleep(25);
        again.socket?.destroy();
        again = await connectThrough(tunnel.port, "d.vault.azure.net:443");
      }
      assert.equal(again.status, 200);
      again.socket?.destroy();
      second.socket.destroy();
    } finally {
      await tunnel.close();
      for (const socket of held) socket.destroy();
      listener.close();
    }
  });
});
