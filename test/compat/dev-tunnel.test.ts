import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { issueServerCertificate } from "../../src/crypto/dev-certificates.js";
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

/** The dev CONNECT proxy (WIRING.md §5): vault hosts reach Keyhold, every other host passes through. */
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
